"""Simulated 淘宝 TOP router: TMC consume/confirm with signature checks and redelivery.

``POST /taobao/_seed`` with ``{"messages": [...]}`` (``content`` may be an object; ids
are assigned when missing) queues messages; every consume returns the unconfirmed ones
again (real TMC redelivers after a few minutes); ``GET /taobao/_state`` shows the queue.
"""

from __future__ import annotations

import hmac
import itertools
import json
import threading
import urllib.parse
from typing import Any

from aftersales.channels.taobao import top_sign
from aftersales.errors import SignatureInvalid
from local.simulator import Platform as BasePlatform
from local.simulator import SimRequest, SimResponse, Simulator


def _error(code: int, msg: str, sub_code: str | None = None) -> SimResponse:
    body: dict[str, Any] = {"code": code, "msg": msg, "request_id": "sim"}
    if sub_code:
        body["sub_code"] = sub_code
    return SimResponse(200, {"error_response": body})  # TOP answers errors with HTTP 200


class Platform(BasePlatform):
    prefix = "taobao"

    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim)
        self._lock = threading.Lock()
        self._ids = itertools.count(7_000_000_000_001)
        self.pending: dict[str, dict[str, Any]] = {}  # id -> message, insertion ordered
        self.confirmed: list[str] = []
        self.deliveries: dict[str, int] = {}

    def seed(self, messages: list[dict[str, Any]]) -> list[str]:
        ids = []
        with self._lock:
            for raw in messages:
                message = dict(raw)
                message.setdefault("id", next(self._ids))
                if isinstance(message.get("content"), dict | list):
                    message["content"] = json.dumps(message["content"], ensure_ascii=False)
                self.pending[str(message["id"])] = message
                ids.append(str(message["id"]))
        return ids

    def handle(self, request: SimRequest) -> SimResponse:
        if request.path == "/_seed" and request.method == "POST":
            data = request.json()
            messages = data.get("messages", []) if isinstance(data, dict) else data
            return SimResponse(200, {"seeded": self.seed(messages)})
        if request.path == "/_state" and request.method == "GET":
            with self._lock:
                return SimResponse(
                    200,
                    {"pending": list(self.pending), "confirmed": list(self.confirmed), "deliveries": self.deliveries},
                )
        if request.path == "/router/rest":
            return self._router(request)
        return super().handle(request)

    def _router(self, request: SimRequest) -> SimResponse:
        params = {k: v[-1] for k, v in request.query.items()}
        if request.body:
            params.update({k: v[-1] for k, v in urllib.parse.parse_qs(request.body.decode()).items()})
        for required in ("method", "app_key", "timestamp", "sign", "v", "sign_method"):
            if not params.get(required):
                return _error(40, f"Missing required arguments:{required}")
        from aftersales.adapters.credentials import find_shop

        try:
            _, creds = find_shop("taobao", "app_key", params["app_key"])
        except SignatureInvalid:
            return _error(29, "Invalid app Key")
        if not hmac.compare_digest(top_sign(params, creds["app_secret"]), params["sign"]):
            return _error(25, "Invalid signature")
        method = params["method"]
        if method == "taobao.tmc.messages.consume":
            quantity = max(10, min(200, int(params.get("quantity") or 100)))
            with self._lock:
                batch = list(self.pending.values())[:quantity]
                for m in batch:
                    self.deliveries[str(m["id"])] = self.deliveries.get(str(m["id"]), 0) + 1
            self.sim.record("taobao", "tmc.consume", count=len(batch), group_name=params.get("group_name"))
            return SimResponse(200, {"tmc_messages_consume_response": {"messages": {"tmc_message": batch}}})
        if method == "taobao.tmc.messages.confirm":
            ids = [i for i in (params.get("s_message_ids") or "").split(",") if i]
            with self._lock:
                for i in ids:
                    if self.pending.pop(i, None) is not None:
                        self.confirmed.append(i)
            self.sim.record("taobao", "tmc.confirm", ids=ids)
            return SimResponse(200, {"tmc_messages_confirm_response": {"is_success": True}})
        return _error(22, "Invalid method", "isv.invalid-method")
