"""拼多多 message-service WebSocket client (``websockets`` sync API) behind the FrameSocket port."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from aftersales.adapters.credentials import channel_credentials
from aftersales.adapters.platforms.http import request_json
from aftersales.channels import pinduoduo
from aftersales.models import Channel
from aftersales.ports import PlatformGateway


def ws_base() -> str:
    """``PDD_WS_BASE`` (e.g. ``wss://<message host>``), else ask the local simulator where its socket is."""
    explicit = os.environ.get("PDD_WS_BASE")
    if explicit:
        return explicit.rstrip("/")
    sim = os.environ.get("AFTERSALES_SIMULATOR_URL", "http://127.0.0.1:8766").rstrip("/")
    answer = request_json("GET", f"{sim}/pinduoduo/_ws_url")
    return str(answer["url"]).rstrip("/")


class WebSocketFrames(pinduoduo.FrameSocket):
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    def recv(self, timeout: float) -> str | None:
        try:
            data: Any = self.connection.recv(timeout=timeout)
        except TimeoutError:
            return None
        except ConnectionClosed as exc:
            raise pinduoduo.SocketClosed(str(exc)) from None
        return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)

    def send(self, text: str) -> None:
        try:
            self.connection.send(text)
        except ConnectionClosed as exc:
            raise pinduoduo.SocketClosed(str(exc)) from None


@contextmanager
def open_frames(
    shop: str = "default", base: str | None = None, open_timeout_s: float = 5.0
) -> Iterator[WebSocketFrames]:
    """Connect with a fresh signed path; the socket is closed when the block ends."""
    creds = channel_credentials(Channel.PINDUODUO.value, shop)
    path = pinduoduo.ws_path(creds["client_id"], pinduoduo.now_ms(), creds["client_secret"])
    # PDD's own HeartBeat frames keep the link alive; protocol pings stay on as a backstop.
    with connect((base or ws_base()) + path, open_timeout=open_timeout_s, proxy=None, close_timeout=2) as conn:
        yield WebSocketFrames(conn)


class PinduoduoGateway(PlatformGateway):
    """Refund pushes carry what triage needs; no write operations yet."""

    channel = Channel.PINDUODUO.value

    def __init__(self, shop: str = "default") -> None:
        self.shop = shop
