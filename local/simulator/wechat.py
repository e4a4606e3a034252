"""Simulated api.weixin.qq.com: access_token, 公众号 客服消息 and 微信小店 after-sale detail.

``POST /wechat/_seed`` with ``{"aftersales": [{"after_sale_order_id": ..., ...}]}`` adds
after-sale orders served by ``/channels/ec/aftersale/getaftersaleorder`` (missing fields get
plausible defaults); ``GET /wechat/_state`` shows the sent customer-service messages.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

from local.simulator import Platform as BasePlatform
from local.simulator import SimRequest, SimResponse, Simulator


def _err(code: int, msg: str) -> SimResponse:
    return SimResponse(200, {"errcode": code, "errmsg": msg})  # WeChat answers errors with HTTP 200


class Platform(BasePlatform):
    prefix = "wechat"

    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim)
        self._lock = threading.Lock()
        self.tokens: set[str] = set()
        self.aftersales: dict[str, dict[str, Any]] = {}
        self.sent: list[dict[str, Any]] = []

    def seed(self, aftersales: list[dict[str, Any]]) -> list[str]:
        with self._lock:
            for raw in aftersales:
                order = {
                    "openid": "o-buyer-openid",
                    "order_id": "3700000000000001",
                    "status": "MERCHANT_PROCESSING",
                    "product_info": {"product_id": "p-1", "sku_id": "sku-1", "count": 1, "title": "保温杯"},
                    "refund_info": {"amount": 9900},
                    "reason_text": "质量问题",
                    "details": {"desc": "杯盖漏水"},
                    **raw,
                }
                self.aftersales[str(order["after_sale_order_id"])] = order
            return list(self.aftersales)

    def _authorised(self, request: SimRequest) -> bool:
        token = (request.query.get("access_token") or [""])[-1]
        with self._lock:
            return token in self.tokens

    def handle(self, request: SimRequest) -> SimResponse:
        if request.path == "/_seed" and request.method == "POST":
            return SimResponse(200, {"seeded": self.seed(request.json().get("aftersales", []))})
        if request.path == "/_state" and request.method == "GET":
            with self._lock:
                return SimResponse(200, {"sent": list(self.sent), "aftersales": list(self.aftersales)})
        if request.path == "/cgi-bin/token":
            from aftersales.adapters.credentials import find_shop
            from aftersales.errors import SignatureInvalid

            appid = (request.query.get("appid") or [""])[-1]
            secret = (request.query.get("secret") or [""])[-1]
            try:
                _, creds = find_shop("wechat", "app_id", appid)
            except SignatureInvalid:
                return _err(40013, "invalid appid")
            if creds.get("app_secret") != secret:
                return _err(40125, "invalid appsecret")
            token = "sim-wx-" + secrets.token_hex(8)
            with self._lock:
                self.tokens.add(token)
            self.sim.record("wechat", "get_token", appid=appid)
            return SimResponse(200, {"access_token": token, "expires_in": 7200})
        if not self._authorised(request):
            return _err(40001, "invalid credential, access_token is invalid or not latest")
        if request.path == "/cgi-bin/message/custom/send" and request.method == "POST":
            body = request.json()
            with self._lock:
                self.sent.append(body)
            self.sim.record("wechat", "custom_send", touser=body.get("touser"), body=body)
            return _err(0, "ok")
        if request.path == "/channels/ec/aftersale/getaftersaleorder" and request.method == "POST":
            aftersale_id = str(request.json().get("after_sale_order_id", ""))
            with self._lock:
                order = self.aftersales.get(aftersale_id)
            if order is None:
                return _err(10020001, "after_sale_order not exist")
            return SimResponse(200, {"errcode": 0, "errmsg": "ok", "after_sale_order": order})
        return super().handle(request)
