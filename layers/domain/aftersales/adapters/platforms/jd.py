"""京东 open platform client: signed router calls, the after-sales service-order list."""

from __future__ import annotations

import os
import urllib.parse
from typing import Any

from aftersales.adapters.credentials import channel_credentials
from aftersales.adapters.platforms.http import PlatformHttpError, request_json
from aftersales.channels import jd
from aftersales.models import Channel
from aftersales.ports import PlatformGateway


def api_url() -> str:
    """``JD_API_BASE`` (the router URL), else the local simulator's."""
    explicit = os.environ.get("JD_API_BASE")
    if explicit:
        return explicit
    sim = os.environ.get("AFTERSALES_SIMULATOR_URL", "http://127.0.0.1:8766").rstrip("/")
    return f"{sim}/jd/routerjson"


class JdApiError(PlatformHttpError):
    """JD answered ``error_response`` or a non-zero business code."""


class JdClient(jd.AfsSource):
    def __init__(self, shop: str = "default", url: str | None = None, timeout_s: float = 5.0) -> None:
        self.shop = shop
        self.url = url or api_url()
        self.timeout_s = timeout_s
        self.creds = channel_credentials(Channel.JD.value, shop)

    def call(self, method: str, business: dict[str, Any], response_key: str) -> dict[str, Any]:
        params = jd.signed_params(
            method, self.creds["app_key"], self.creds["app_secret"], self.creds.get("access_token"), business
        )
        data = request_json(
            "POST",
            self.url,
            urllib.parse.urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
            timeout_s=self.timeout_s,
        )
        if not isinstance(data, dict):
            raise JdApiError(f"{method}: unexpected answer {data!r:.200}")
        if "error_response" in data:
            err = data["error_response"] or {}
            raise JdApiError(f"{method}: JD error {err.get('code')} {err.get('en_desc') or err.get('zh_desc')}")
        answer = data.get(response_key)
        if not isinstance(answer, dict) or str(answer.get("code", "0")) != "0":
            raise JdApiError(f"{method}: bad answer {answer!r:.200}")
        return answer

    def list_updated(self, begin_ms: int, end_ms: int, page: int, page_size: int) -> list[dict[str, Any]]:
        answer = self.call(
            jd.LIST_METHOD,
            {"updateTimeBegin": begin_ms, "updateTimeEnd": end_ms, "pageNumber": page, "pageSize": page_size},
            jd.LIST_RESPONSE_KEY,
        )
        data = (answer.get("pageResult") or {}).get("data") or []
        return [d for d in data if isinstance(d, dict)]


class JdGateway(PlatformGateway):
    """Polled service orders carry what triage needs; no write operations yet."""

    channel = Channel.JD.value

    def __init__(self, shop: str = "default") -> None:
        self.shop = shop
