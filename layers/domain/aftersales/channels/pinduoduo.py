"""拼多多 message service: WebSocket sign, frame mapping, and the receive → enqueue → Ack loop.

PDD only pushes over a client-opened WebSocket. A scheduled function holds the socket
within its time limit; each Common frame is enqueued durably *before* its Ack, so a
frame lost to a crash or a failed enqueue is redelivered on the next connection.
The socket is a port (``FrameSocket``) so the loop runs on a fake in unit tests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import urllib.parse
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from aftersales.intake.message import IntakeMessage
from aftersales.models import AftersaleStatus, Channel, Customer, ExternalRefs, ticket_id_for
from aftersales.ports import IntakeQueue

HEARTBEAT_S = 8.0  # PDD wants one every 5–10 s


@cache
def _tables() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(__file__).parent / "pull_data" / "pinduoduo.json").read_text("utf-8"))
    return data


def ws_sign(client_id: str, timestamp_ms: int | str, client_secret: str) -> str:
    """base64 of the 32-char md5 hex string of client_id + timestamp + client_secret."""
    digest = hashlib.md5(f"{client_id}{timestamp_ms}{client_secret}".encode()).hexdigest()
    return base64.b64encode(digest.encode()).decode()


def ws_path(client_id: str, timestamp_ms: int, client_secret: str) -> str:
    sign = urllib.parse.quote(ws_sign(client_id, timestamp_ms, client_secret), safe="")
    return f"/message/{urllib.parse.quote(client_id, safe='')}/{timestamp_ms}/{sign}"


def now_ms() -> int:
    return int(time.time() * 1000)


def heartbeat_frame(at_ms: int | None = None) -> str:
    return json.dumps({"commandType": "HeartBeat", "time": at_ms or now_ms()})


def ack_frame(frame: Mapping[str, Any], at_ms: int | None = None) -> str:
    message = frame.get("message") if isinstance(frame.get("message"), Mapping) else {}
    assert isinstance(message, Mapping)
    return json.dumps(
        {
            "commandType": "Ack",
            "time": at_ms or now_ms(),
            "id": frame.get("id"),
            "sendTime": frame.get("sendTime"),
            "type": message.get("type"),
            "mallID": message.get("mallID"),
        },
        ensure_ascii=False,
    )


def status_for(msg_type: str, bill_type: Any) -> tuple[bool, AftersaleStatus | None]:
    tables = _tables()
    if msg_type not in tables["types"]:
        return False, None
    if bill_type in tables["return_bill_types"] and msg_type in tables["return_bill_overrides"]:
        return True, AftersaleStatus(tables["return_bill_overrides"][msg_type])
    value = tables["types"][msg_type]
    return True, AftersaleStatus(value) if value else None


def to_intake(frame: Mapping[str, Any], shop: str = "default", correlation_id: str | None = None) -> IntakeMessage:
    """A Common frame → IntakeMessage; unknown types and unreadable content become ``unknown``."""
    raw = json.dumps(frame, ensure_ascii=False, default=str)
    frame_id = str(frame.get("id") or "")
    message = frame.get("message") if isinstance(frame.get("message"), Mapping) else {}
    assert isinstance(message, Mapping)
    msg_type = str(message.get("type") or "")
    mall = str(message.get("mallID") or "")
    try:
        content = json.loads(message.get("content") or "null")
    except (TypeError, json.JSONDecodeError):
        content = None
    known, status = status_for(msg_type, content.get("bill_type") if isinstance(content, dict) else None)
    refund_id = str(content.get("refund_id") or "") if isinstance(content, dict) else ""
    if not isinstance(content, dict) or not known or not refund_id:
        external_id = f"pdd-{frame_id}" if frame_id else "pdd-" + hashlib.sha256(raw.encode()).hexdigest()[:32]
        return IntakeMessage(
            ticket_id=ticket_id_for(Channel.PINDUODUO.value, external_id),
            channel=Channel.PINDUODUO,
            external_id=external_id,
            event_type="unknown",
            platform_event=msg_type[:128] or None,
            customer=Customer(id=f"pinduoduo:unknown:{mall or shop}"),
            text=f"拼多多消息无法识别 ({msg_type or '?'})",
            external=ExternalRefs(message_id=frame_id or None, shop_id=shop),
            raw=raw,
        )
    modified = content.get("modified")
    occurred = datetime.fromtimestamp(int(modified) / 1000, UTC) if isinstance(modified, int) and modified else None
    fee = content.get("refund_fee")
    order_id = str(content["tid"]) if content.get("tid") else None
    return IntakeMessage(
        ticket_id=ticket_id_for(Channel.PINDUODUO.value, refund_id),
        channel=Channel.PINDUODUO,
        external_id=refund_id,
        event_type="aftersale",
        platform_event=msg_type,
        aftersale_status=status,
        occurred_at=occurred,
        # The refund push does not name the buyer: the order is the best customer key we have.
        customer=Customer(id=f"pinduoduo:order:{order_id or refund_id}"),
        correlation_id=correlation_id,
        order_id=order_id,
        order_amount_fen=fee if isinstance(fee, int) and fee >= 0 else None,  # PDD sends fen already
        text=f"拼多多售后 {refund_id}: {msg_type.removeprefix('pdd_refund_')}",
        external=ExternalRefs(
            # shop_id is our credentials key (triage looks the gateway up by it), not PDD's mallID.
            message_id=frame_id,
            aftersale_id=refund_id,
            shop_id=shop,
            platform_order_id=order_id,
        ),
        raw=raw,
    )


class SocketClosed(Exception):
    """The platform closed the connection; un-acked frames come back on the next one."""


class FrameSocket(ABC):
    """The text-frame socket the loop needs; the adapter wraps ``websockets``.

    Both calls raise SocketClosed once the connection is gone.
    """

    @abstractmethod
    def recv(self, timeout: float) -> str | None:
        """Next text frame, or None if none arrived within ``timeout`` seconds."""

    @abstractmethod
    def send(self, text: str) -> None: ...


@dataclass
class ConsumeResult:
    frames: int = 0
    enqueued: int = 0
    acked: int = 0
    unknown: int = 0
    failed: int = 0
    heartbeats: int = 0
    server_fail: int = 0
    closed_by_server: bool = False


def consume(
    socket: FrameSocket,
    queue: IntakeQueue,
    time_left_s: Callable[[], float],
    shop: str = "default",
    heartbeat_s: float = HEARTBEAT_S,
    clock: Callable[[], float] = time.monotonic,
    correlation_id: str | None = None,
) -> ConsumeResult:
    """Receive until ``time_left_s()`` reaches zero; enqueue each Common frame, then Ack it.

    A frame that fails to enqueue is not acknowledged, so PDD redelivers it.
    """
    result = ConsumeResult()
    try:
        _consume(socket, queue, time_left_s, shop, heartbeat_s, clock, correlation_id, result)
    except SocketClosed:
        result.closed_by_server = True
    return result


def _consume(
    socket: FrameSocket,
    queue: IntakeQueue,
    time_left_s: Callable[[], float],
    shop: str,
    heartbeat_s: float,
    clock: Callable[[], float],
    correlation_id: str | None,
    result: ConsumeResult,
) -> None:
    last_beat = clock()
    socket.send(heartbeat_frame())
    result.heartbeats += 1
    while (left := time_left_s()) > 0:
        if clock() - last_beat >= heartbeat_s:
            socket.send(heartbeat_frame())
            result.heartbeats += 1
            last_beat = clock()
        text = socket.recv(timeout=max(0.05, min(1.0, left, heartbeat_s - (clock() - last_beat))))
        if text is None:
            continue
        try:
            frame = json.loads(text)
        except json.JSONDecodeError:
            continue  # not a frame we can Ack either; PDD never sends these
        if not isinstance(frame, dict):
            continue
        command = frame.get("commandType")
        if command == "Fail":
            result.server_fail += 1
            continue
        if command != "Common":
            continue  # HeartBeat echoes and anything newer
        result.frames += 1
        intake = to_intake(frame, shop, correlation_id)
        try:
            queue.send(intake.model_dump_json(), dedup_id=f"pinduoduo:{frame.get('id') or intake.external_id}")
        except Exception:  # leave it un-acked: the platform redelivers
            result.failed += 1
            continue
        result.enqueued += 1
        result.unknown += intake.event_type == "unknown"
        socket.send(ack_frame(frame))
        result.acked += 1
