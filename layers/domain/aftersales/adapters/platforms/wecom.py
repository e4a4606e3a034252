"""企业微信 / 微信客服 API client: access_token, kf/sync_msg (pull) and kf/send_msg (reply).

Base URL: ``WECOM_API_BASE``; else ``AFTERSALES_SIMULATOR_URL + "/wecom"``; else the real
``https://qyapi.weixin.qq.com``. ``kf/send_msg`` takes our own ``msgid``; we derive it from the
idempotency key so every retry of one reply carries the same msgid and the platform can
recognise it (how WeCom answers a repeated msgid is unconfirmed; the simulator sends once).
"""

from __future__ import annotations

import hashlib
import threading
import time
import urllib.parse
from functools import cached_property
from typing import Any

from aftersales.adapters.credentials import channel_credentials
from aftersales.adapters.platforms.http import request_json
from aftersales.adapters.platforms.wechat import WeChatApiError, api_base, check
from aftersales.channels.wecom import parse_kf_reply_address
from aftersales.models import Ticket
from aftersales.ports import PlatformGateway

_TOKEN_ERRORS = {40014, 42001}
_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_lock = threading.Lock()


class WeComClient:
    def __init__(self, shop: str = "default", base_url: str | None = None) -> None:
        creds = channel_credentials("wecom", shop)
        self.corp_id = creds["corp_id"]
        self.corp_secret = creds["corp_secret"]
        self.base_url = base_url or api_base("WECOM_API_BASE", "wecom", "https://qyapi.weixin.qq.com")

    def access_token(self, refresh: bool = False) -> str:
        cache_key = (self.base_url, self.corp_id)
        with _lock:
            cached = _tokens.get(cache_key)
            if cached and not refresh and cached[1] > time.time():
                return cached[0]
        query = urllib.parse.urlencode({"corpid": self.corp_id, "corpsecret": self.corp_secret})
        data = check(request_json("GET", f"{self.base_url}/cgi-bin/gettoken?{query}"), "gettoken")
        token = str(data["access_token"])
        with _lock:
            _tokens[cache_key] = (token, time.time() + int(data.get("expires_in", 7200)) - 300)
        return token

    def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        for refresh in (False, True):
            token = self.access_token(refresh=refresh)
            url = f"{self.base_url}{path}?access_token={urllib.parse.quote(token)}"
            try:
                return check(request_json("POST", url, body), path)
            except WeChatApiError as exc:
                if exc.errcode not in _TOKEN_ERRORS or refresh:
                    raise
        raise AssertionError("unreachable")

    def sync_msg(self, cursor: str | None, token: str | None, open_kfid: str, limit: int) -> dict[str, Any]:
        """微信客服 kf/sync_msg: one page of messages after ``cursor``."""
        body: dict[str, Any] = {"limit": limit, "open_kfid": open_kfid}
        if cursor:
            body["cursor"] = cursor
        if token:
            body["token"] = token
        return self.call("/cgi-bin/kf/sync_msg", body)


def kf_msgid(idempotency_key: str) -> str:
    """WeCom msgids are at most 32 characters of [0-9a-zA-Z_-]: hash the key deterministically."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


class WeComGateway(PlatformGateway):
    """Replies to 微信客服 customers (external_userid) through the account they wrote to."""

    channel = "wecom"

    def __init__(self, shop: str = "default") -> None:
        self.shop = shop

    @cached_property
    def client(self) -> WeComClient:
        return WeComClient(self.shop)

    def send_reply(self, ticket: Ticket, text: str, idempotency_key: str) -> dict[str, Any]:
        address = parse_kf_reply_address(ticket.customer.platform_user_id)
        if address is None:
            raise ValueError(f"ticket {ticket.id} has no 微信客服 reply address (kf:<open_kfid>:<external_userid>)")
        open_kfid, external_userid = address
        msgid = kf_msgid(idempotency_key)
        body = {
            "touser": external_userid,
            "open_kfid": open_kfid,
            "msgid": msgid,
            "msgtype": "text",
            "text": {"content": text},
        }
        data = self.client.call("/cgi-bin/kf/send_msg", body)
        return {"channel": self.channel, "msgid": data.get("msgid", msgid), "idempotency_key": idempotency_key}
