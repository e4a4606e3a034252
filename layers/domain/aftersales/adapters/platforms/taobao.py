"""淘宝 TOP API client: the TMC consume/confirm calls over HTTP (form-encoded, md5-signed)."""

from __future__ import annotations

import os
import urllib.parse
from typing import Any

from aftersales.adapters.credentials import channel_credentials
from aftersales.adapters.platforms.http import PlatformHttpError, request_json
from aftersales.channels import taobao
from aftersales.models import Channel
from aftersales.ports import PlatformGateway


def api_url() -> str:
    """``TAOBAO_API_BASE`` (the TOP router URL), else the local simulator's."""
    explicit = os.environ.get("TAOBAO_API_BASE")
    if explicit:
        return explicit
    sim = os.environ.get("AFTERSALES_SIMULATOR_URL", "http://127.0.0.1:8766").rstrip("/")
    return f"{sim}/taobao/router/rest"


class TopError(PlatformHttpError):
    """TOP answered ``error_response`` (bad signature, expired session, …)."""


class TopClient:
    def __init__(self, shop: str = "default", url: str | None = None, timeout_s: float = 5.0) -> None:
        self.shop = shop
        self.url = url or api_url()
        self.timeout_s = timeout_s
        self.creds = channel_credentials(Channel.TAOBAO.value, shop)

    def call(self, method: str, business: dict[str, str]) -> dict[str, Any]:
        params = taobao.signed_params(
            method, self.creds["app_key"], self.creds["app_secret"], business, session=self.creds.get("session")
        )
        body = urllib.parse.urlencode(params).encode()
        data = request_json(
            "POST",
            self.url,
            body,
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
            timeout_s=self.timeout_s,
        )
        if not isinstance(data, dict):
            raise TopError(f"{method}: unexpected TOP answer {data!r:.200}")
        if "error_response" in data:
            err = data["error_response"] or {}
            raise TopError(f"{method}: TOP error {err.get('code')} {err.get('msg')} {err.get('sub_code') or ''}")
        key = method.removeprefix("taobao.").replace(".", "_") + "_response"
        answer = data.get(key)
        if not isinstance(answer, dict):
            raise TopError(f"{method}: answer lacks {key}")
        return answer


class HttpTmcClient(taobao.TmcClient):
    """TmcClient over TOP HTTP, for one shop's message group."""

    def __init__(self, shop: str = "default", url: str | None = None) -> None:
        self.top = TopClient(shop, url)
        self.group_name = self.top.creds.get("group_name") or "default"

    def consume(self, quantity: int) -> list[dict[str, Any]]:
        answer = self.top.call(taobao.CONSUME_METHOD, {"group_name": self.group_name, "quantity": str(quantity)})
        messages = (answer.get("messages") or {}).get("tmc_message") or []
        return [m for m in messages if isinstance(m, dict)]

    def confirm(self, message_ids: list[str]) -> None:
        answer = self.top.call(
            taobao.CONFIRM_METHOD, {"group_name": self.group_name, "s_message_ids": ",".join(message_ids)}
        )
        if not answer.get("is_success", False):
            raise TopError(f"confirm not accepted: {answer!r:.200}")


class TaobaoGateway(PlatformGateway):
    """TMC refund messages carry everything triage needs; no write operations yet."""

    channel = Channel.TAOBAO.value

    def __init__(self, shop: str = "default") -> None:
        self.shop = shop
