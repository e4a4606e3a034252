"""Simulated 京东 router: the after-sales service-order list, filtered on update time.

``POST /jd/_seed`` with ``{"services": [...]}`` upserts 服务单 by ``afsServiceId``
(``updateTime`` in ms defaults to now), so a test can move an order through its steps.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
import urllib.parse
from typing import Any

from aftersales.channels.jd import LIST_METHOD, LIST_RESPONSE_KEY, jd_sign
from aftersales.errors import SignatureInvalid
from local.simulator import Platform as BasePlatform
from local.simulator import SimRequest, SimResponse, Simulator


def _error(code: str, zh: str, en: str) -> SimResponse:
    return SimResponse(200, {"error_response": {"code": code, "zh_desc": zh, "en_desc": en}})


class Platform(BasePlatform):
    prefix = "jd"

    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim)
        self._lock = threading.Lock()
        self.services: dict[str, dict[str, Any]] = {}

    def handle(self, request: SimRequest) -> SimResponse:
        if request.path == "/_seed" and request.method == "POST":
            data = request.json()
            services = data.get("services", []) if isinstance(data, dict) else data
            with self._lock:
                for raw in services:
                    service = {"updateTime": int(time.time() * 1000), **raw}
                    self.services[str(service["afsServiceId"])] = service
            return SimResponse(200, {"seeded": [str(s["afsServiceId"]) for s in services]})
        if request.path == "/routerjson":
            return self._router(request)
        return super().handle(request)

    def _router(self, request: SimRequest) -> SimResponse:
        params = {k: v[-1] for k, v in request.query.items()}
        if request.body:
            params.update({k: v[-1] for k, v in urllib.parse.parse_qs(request.body.decode()).items()})
        for required in ("method", "app_key", "timestamp", "sign", "v"):
            if not params.get(required):
                return _error("14", f"缺少参数{required}", f"Missing parameter {required}")
        from aftersales.adapters.credentials import find_shop

        try:
            _, creds = find_shop("jd", "app_key", params["app_key"])
        except SignatureInvalid:
            return _error("12", "无效的app_key", "Invalid app_key")
        if not hmac.compare_digest(jd_sign(params, creds["app_secret"]), params["sign"]):
            return _error("19", "签名校验失败", "Invalid signature")
        if params["method"] != LIST_METHOD:
            return _error("22", "无效的方法", "Invalid method")
        business = json.loads(params.get("360buy_param_json") or "{}")
        begin, end = int(business.get("updateTimeBegin", 0)), int(business.get("updateTimeEnd", 2**62))
        page, size = max(1, int(business.get("pageNumber", 1))), max(1, min(100, int(business.get("pageSize", 50))))
        with self._lock:
            matching = sorted(
                (s for s in self.services.values() if begin <= int(s["updateTime"]) <= end),
                key=lambda s: (int(s["updateTime"]), str(s["afsServiceId"])),
            )
        data = matching[(page - 1) * size : page * size]
        self.sim.record("jd", "asc.query.list", begin=begin, end=end, page=page, returned=len(data))
        return SimResponse(
            200,
            {
                LIST_RESPONSE_KEY: {
                    "code": "0",
                    "pageResult": {"data": data, "pageNumber": page, "pageSize": size, "totalCount": len(matching)},
                }
            },
        )
