"""Simulated qyapi.weixin.qq.com: gettoken, 微信客服 kf/sync_msg (cursor paging) and kf/send_msg.

``POST /wecom/_seed`` with ``{"messages": [{"open_kfid": ..., "external_userid": ...,
"text": "..."}]}`` appends messages (msgid/send_time/origin/msgtype filled in); sync_msg
serves them after the given cursor, ``limit`` at a time, with ``has_more``/``next_cursor``.
``_seed`` may set ``"page_size"`` to force paging. send_msg records each msgid once.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from typing import Any

from local.simulator import Platform as BasePlatform
from local.simulator import SimRequest, SimResponse, Simulator


def _err(code: int, msg: str) -> SimResponse:
    return SimResponse(200, {"errcode": code, "errmsg": msg})


class Platform(BasePlatform):
    prefix = "wecom"

    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.tokens: set[str] = set()
        self.messages: list[dict[str, Any]] = []  # cursor = index after the last served message
        self.page_size = 1000
        self.sent: dict[str, dict[str, Any]] = {}  # msgid -> body
        self.sync_calls: list[dict[str, Any]] = []

    def seed(self, messages: list[dict[str, Any]]) -> list[str]:
        ids = []
        with self._lock:
            for raw in messages:
                msg = dict(raw)
                msg.setdefault("msgid", f"sim-kf-{next(self._ids):06d}")
                msg.setdefault("send_time", int(time.time()))
                msg.setdefault("origin", 3)
                if "text" in msg and isinstance(msg["text"], str):
                    msg["text"] = {"content": msg["text"]}
                msg.setdefault("msgtype", "text")
                self.messages.append(msg)
                ids.append(str(msg["msgid"]))
        return ids

    def handle(self, request: SimRequest) -> SimResponse:
        if request.path == "/_seed" and request.method == "POST":
            data = request.json()
            if "page_size" in data:
                self.page_size = int(data["page_size"])
            return SimResponse(200, {"seeded": self.seed(data.get("messages", []))})
        if request.path == "/_state" and request.method == "GET":
            with self._lock:
                return SimResponse(200, {"sent": self.sent, "sync_calls": self.sync_calls})
        if request.path == "/cgi-bin/gettoken":
            from aftersales.adapters.credentials import find_shop
            from aftersales.errors import SignatureInvalid

            corpid = (request.query.get("corpid") or [""])[-1]
            secret = (request.query.get("corpsecret") or [""])[-1]
            try:
                _, creds = find_shop("wecom", "corp_id", corpid)
            except SignatureInvalid:
                return _err(40013, "invalid corpid")
            if creds.get("corp_secret") != secret:
                return _err(40001, "invalid secret")
            token = "sim-wecom-" + secrets.token_hex(8)
            with self._lock:
                self.tokens.add(token)
            self.sim.record("wecom", "gettoken", corpid=corpid)
            return SimResponse(200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})
        token = (request.query.get("access_token") or [""])[-1]
        with self._lock:
            authorised = token in self.tokens
        if not authorised:
            return _err(40014, "invalid access_token")
        if request.path == "/cgi-bin/kf/sync_msg" and request.method == "POST":
            return self._sync(request.json())
        if request.path == "/cgi-bin/kf/send_msg" and request.method == "POST":
            body = request.json()
            msgid = str(body.get("msgid") or secrets.token_hex(16))
            with self._lock:
                first = msgid not in self.sent
                if first:
                    self.sent[msgid] = body
            if first:  # a repeated msgid is not a second message to the customer
                self.sim.record("wecom", "kf_send_msg", msgid=msgid, touser=body.get("touser"), body=body)
            return SimResponse(200, {"errcode": 0, "errmsg": "ok", "msgid": msgid})
        return super().handle(request)

    def _sync(self, body: dict[str, Any]) -> SimResponse:
        open_kfid = str(body.get("open_kfid") or "")
        if not open_kfid:
            return _err(40003, "open_kfid required")
        cursor = str(body.get("cursor") or "")
        try:
            start = int(cursor.removeprefix("c")) if cursor else 0
        except ValueError:
            return _err(95000, "invalid cursor")
        limit = min(int(body.get("limit") or 1000), 1000, self.page_size)
        with self._lock:
            self.sync_calls.append(dict(body))
            mine = [m for m in self.messages if m.get("open_kfid") == open_kfid]
            page = mine[start : start + limit]
            end = start + len(page)
            has_more = 1 if end < len(mine) else 0
        self.sim.record("wecom", "kf_sync_msg", open_kfid=open_kfid, cursor=cursor, returned=len(page))
        return SimResponse(
            200, {"errcode": 0, "errmsg": "ok", "next_cursor": f"c{end}", "has_more": has_more, "msg_list": page}
        )
