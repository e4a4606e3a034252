"""微信公众号 / 微信小店 API client (PlatformGateway).

Base URL: ``WECHAT_API_BASE``; else ``AFTERSALES_SIMULATOR_URL + "/wechat"``; else the real
``https://api.weixin.qq.com``. The access_token (``/cgi-bin/token``) is cached per AppID until
shortly before it expires and fetched again once when the API reports it invalid.

公众号 replies use the customer-service message API (``/cgi-bin/message/custom/send``), which
has no idempotency parameter: a retry after an ambiguous failure may send twice, so callers
must record the idempotency key before calling (outbox) and never call twice for one key.
We therefore do not retry writes at the HTTP level (``attempts=1``).
"""

from __future__ import annotations

import os
import threading
import time
import urllib.parse
from functools import cached_property
from typing import Any

from aftersales.adapters.credentials import channel_credentials
from aftersales.adapters.platforms.http import PlatformHttpError, request_json
from aftersales.intake.message import IntakeMessage
from aftersales.models import Customer, ExternalRefs, OrderItem, Ticket
from aftersales.ports import PlatformGateway

_TOKEN_ERRORS = {40001, 40014, 42001}  # invalid / expired access_token
_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_lock = threading.Lock()


def api_base(env_name: str, sim_prefix: str, real: str) -> str:
    explicit = os.environ.get(env_name)
    if explicit:
        return explicit.rstrip("/")
    simulator = os.environ.get("AFTERSALES_SIMULATOR_URL")
    if simulator:
        return f"{simulator.rstrip('/')}/{sim_prefix}"
    return real


class WeChatApiError(PlatformHttpError):
    def __init__(self, message: str, errcode: int | None = None) -> None:
        super().__init__(message)
        self.errcode = errcode


def check(response: Any, what: str) -> dict[str, Any]:
    if not isinstance(response, dict):
        raise WeChatApiError(f"{what}: unexpected response {response!r}")
    errcode = int(response.get("errcode") or 0)
    if errcode != 0:
        raise WeChatApiError(f"{what}: errcode {errcode} {response.get('errmsg', '')}", errcode)
    return response


class WeChatClient:
    """access_token handling + JSON calls against one 公众号/小店 AppID."""

    def __init__(self, channel: str = "wechat", shop: str = "default", base_url: str | None = None) -> None:
        creds = channel_credentials(channel, shop)
        self.app_id = creds["app_id"]
        self.app_secret = creds["app_secret"]
        self.base_url = base_url or api_base("WECHAT_API_BASE", "wechat", "https://api.weixin.qq.com")

    def access_token(self, refresh: bool = False) -> str:
        cache_key = (self.base_url, self.app_id)
        with _lock:
            cached = _tokens.get(cache_key)
            if cached and not refresh and cached[1] > time.time():
                return cached[0]
        query = urllib.parse.urlencode(
            {"grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret}
        )
        data = check(request_json("GET", f"{self.base_url}/cgi-bin/token?{query}"), "get access_token")
        token = str(data["access_token"])
        with _lock:
            _tokens[cache_key] = (token, time.time() + int(data.get("expires_in", 7200)) - 300)
        return token

    def call(self, path: str, body: dict[str, Any], attempts: int = 3) -> dict[str, Any]:
        for refresh in (False, True):
            token = self.access_token(refresh=refresh)
            url = f"{self.base_url}{path}?access_token={urllib.parse.quote(token)}"
            response = request_json("POST", url, body, attempts=attempts)
            try:
                return check(response, path)
            except WeChatApiError as exc:
                if exc.errcode not in _TOKEN_ERRORS or refresh:
                    raise
        raise AssertionError("unreachable")


class WeChatGateway(PlatformGateway):
    """公众号: reply to the customer through the customer-service message API (客服消息)."""

    channel = "wechat"

    def __init__(self, shop: str = "default") -> None:
        self.shop = shop

    @cached_property
    def client(self) -> WeChatClient:
        # Built on first use, so a missing credential fails the call (caught by triage), not the lookup.
        return WeChatClient("wechat", self.shop)

    def send_reply(self, ticket: Ticket, text: str, idempotency_key: str) -> dict[str, Any]:
        openid = ticket.customer.platform_user_id or ticket.customer.id
        body = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        self.client.call("/cgi-bin/message/custom/send", body, attempts=1)
        return {"channel": self.channel, "to": openid, "idempotency_key": idempotency_key}


class WeChatShopGateway(PlatformGateway):
    """微信小店: complete a status-only after-sale push with the after-sale order detail."""

    channel = "wechat-shop"

    def __init__(self, shop: str = "default") -> None:
        self.shop = shop

    @cached_property
    def client(self) -> WeChatClient:
        return WeChatClient("wechat-shop", self.shop)

    def fetch_details(self, message: IntakeMessage) -> IntakeMessage:
        aftersale_id = message.external.aftersale_id or message.external_id
        data = self.client.call("/channels/ec/aftersale/getaftersaleorder", {"after_sale_order_id": aftersale_id})
        order = data.get("after_sale_order") or {}
        openid = str(order.get("openid") or "")
        if not openid:
            raise WeChatApiError(f"after-sale {aftersale_id} has no buyer openid")
        product = order.get("product_info") or {}
        refund = order.get("refund_info") or {}
        amount = refund.get("amount")
        items = list(message.items)
        if product.get("sku_id") or product.get("product_id"):
            items = [
                OrderItem(
                    sku=str(product.get("sku_id") or product.get("product_id")),
                    name=product.get("title") or None,
                    quantity=max(1, int(product.get("count") or 1)),
                    amount_fen=int(amount) if isinstance(amount, int) else None,
                )
            ]
        details = order.get("details") or {}
        reason = " ".join(str(p) for p in (order.get("reason_text") or order.get("reason"), details.get("desc")) if p)
        order_id = str(order.get("order_id") or message.order_id or "") or None
        return message.model_copy(
            update={
                "customer": Customer(id=openid[:128], platform_user_id=openid[:128]),
                "order_id": order_id,
                "order_amount_fen": int(amount) if isinstance(amount, int) else message.order_amount_fen,
                "items": items,
                "text": message.text or reason,
                "external": ExternalRefs(
                    message_id=message.external.message_id,
                    aftersale_id=aftersale_id,
                    shop_id=message.external.shop_id,
                    platform_order_id=order_id,
                ),
                "needs_enrichment": False,
            }
        )
