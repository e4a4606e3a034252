"""淘宝/天猫 TMC (消息服务) over HTTP pull: TOP request signing, message mapping, the poll loop.

Pure domain code: the HTTP client lives in ``aftersales.adapters.platforms.taobao`` and
is passed in as a ``TmcClient``, so the loop is testable with fakes.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from aftersales.intake.message import IntakeMessage
from aftersales.models import AftersaleStatus, Channel, Customer, ExternalRefs, ticket_id_for, utcnow, yuan_to_fen
from aftersales.ports import IntakeQueue

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")  # no DST in China: a fixed offset is exact
CONSUME_METHOD = "taobao.tmc.messages.consume"
CONFIRM_METHOD = "taobao.tmc.messages.confirm"
MIN_QUANTITY, MAX_QUANTITY = 10, 200


@cache
def _tables() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(__file__).parent / "pull_data" / "taobao.json").read_text("utf-8"))
    return data


# --- TOP signing -------------------------------------------------------------------


def top_timestamp(now: datetime | None = None) -> str:
    """TOP wants Beijing time as ``YYYY-MM-DD HH:MM:SS``."""
    return (now or utcnow()).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")


def top_sign(params: Mapping[str, str], secret: str) -> str:
    """md5(secret + k1v1k2v2… (keys sorted, ``sign`` excluded, empty values skipped) + secret), upper hex."""
    joined = "".join(f"{k}{v}" for k, v in sorted(params.items()) if k != "sign" and v not in (None, ""))
    return hashlib.md5(f"{secret}{joined}{secret}".encode()).hexdigest().upper()


def signed_params(
    method: str,
    app_key: str,
    secret: str,
    business: Mapping[str, str],
    session: str | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """System + business parameters of one TOP call, signed."""
    params = {
        "method": method,
        "app_key": app_key,
        "timestamp": top_timestamp(now),
        "format": "json",
        "v": "2.0",
        "sign_method": "md5",
        **({"session": session} if session else {}),
        **{k: str(v) for k, v in business.items()},
    }
    params["sign"] = top_sign(params, secret)
    return params


# --- message mapping ---------------------------------------------------------------


def status_for(topic: str, bill_type: str | None) -> AftersaleStatus | None:
    tables = _tables()
    if bill_type == "return_bill" and topic in tables["return_bill_overrides"]:
        return AftersaleStatus(tables["return_bill_overrides"][topic])
    value = tables["topics"].get(topic)
    return AftersaleStatus(value) if value else None


def _unknown(message: Mapping[str, Any] | Any, shop: str, raw: str, reason: str) -> IntakeMessage:
    msg_id = str(message.get("id")) if isinstance(message, Mapping) and message.get("id") else None
    external_id = f"tmc-{msg_id}" if msg_id else "tmc-" + hashlib.sha256(raw.encode()).hexdigest()[:32]
    topic = message.get("topic") if isinstance(message, Mapping) else None
    return IntakeMessage(
        ticket_id=ticket_id_for(Channel.TAOBAO.value, external_id),
        channel=Channel.TAOBAO,
        external_id=external_id,
        event_type="unknown",
        platform_event=str(topic)[:128] if topic else None,
        customer=Customer(id=f"taobao:unknown:{shop}"),
        text=reason,
        external=ExternalRefs(message_id=msg_id, shop_id=shop),
        raw=raw,
    )


def _pub_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA_TZ)
    except ValueError:
        return None


def to_intake(message: Mapping[str, Any], shop: str = "default", correlation_id: str | None = None) -> IntakeMessage:
    """One TMC message → IntakeMessage; anything unexpected becomes ``unknown`` with the raw kept."""
    raw = json.dumps(message, ensure_ascii=False, default=str)
    topic = str(message.get("topic") or "")
    if not str(message.get("id") or ""):
        return _unknown(message, shop, raw, "TMC message without id")
    try:
        content = json.loads(message.get("content") or "null")
    except (TypeError, json.JSONDecodeError):
        return _unknown(message, shop, raw, f"content is not JSON ({topic})")
    if not isinstance(content, dict):
        return _unknown(message, shop, raw, f"content is not an object ({topic})")
    status = status_for(topic, content.get("bill_type"))
    refund_id = str(content.get("refund_id") or "")
    if status is None or not refund_id:
        return _unknown(message, shop, raw, f"unhandled TMC topic {topic or '?'}")
    buyer = str(content.get("buyer_open_uid") or content.get("buyer_nick") or message.get("user_id") or "")
    try:
        fee = yuan_to_fen(content["refund_fee"]) if content.get("refund_fee") not in (None, "") else None
    except (InvalidOperation, ValueError):
        fee = None
    order_id = str(content["tid"]) if content.get("tid") is not None else None
    return IntakeMessage(
        ticket_id=ticket_id_for(Channel.TAOBAO.value, refund_id),
        channel=Channel.TAOBAO,
        external_id=refund_id,
        event_type="aftersale",
        platform_event=topic,
        aftersale_status=status,
        occurred_at=_pub_time(content.get("modified")) or _pub_time(message.get("pub_time")),
        correlation_id=correlation_id,
        customer=Customer(
            id=f"taobao:{buyer or 'unknown'}",
            name=str(content["buyer_nick"]) if content.get("buyer_nick") else None,
            platform_user_id=str(content["buyer_open_uid"]) if content.get("buyer_open_uid") else None,
        ),
        order_id=order_id,
        order_amount_fen=fee if fee is not None and fee >= 0 else None,
        text=f"淘宝退款 {refund_id}: {topic.removeprefix('taobao_refund_')}",
        external=ExternalRefs(
            message_id=str(message["id"]), aftersale_id=refund_id, shop_id=shop, platform_order_id=order_id
        ),
        raw=raw,
    )


# --- the poll loop -----------------------------------------------------------------


class TmcClient(ABC):
    """The two TMC calls the poller needs; implemented over HTTP in the platforms adapter."""

    @abstractmethod
    def consume(self, quantity: int) -> list[dict[str, Any]]:
        """Pull up to ``quantity`` messages (unconfirmed ones come back later)."""

    @abstractmethod
    def confirm(self, message_ids: list[str]) -> None:
        """Tell TMC these messages are safely ours."""


@dataclass
class PollResult:
    consumed: int = 0
    enqueued: int = 0
    unknown: int = 0
    confirmed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    batches: int = 0


def poll(
    client: TmcClient,
    queue: IntakeQueue,
    shop: str = "default",
    quantity: int = 100,
    max_batches: int = 10,
    time_left_s: Callable[[], float] = lambda: 60.0,
    min_time_s: float = 5.0,
    correlation_id: str | None = None,
) -> PollResult:
    """Consume → enqueue each (deduped on ``taobao:<id>``) → confirm only what was enqueued.

    A message that fails to enqueue is not confirmed, so TMC redelivers it. The loop
    stops on a short batch, on any failure (the failed ones would come straight back),
    or when the Lambda's time runs low.
    """
    quantity = max(MIN_QUANTITY, min(MAX_QUANTITY, quantity))
    result = PollResult()
    while result.batches < max_batches and time_left_s() > min_time_s:
        batch = client.consume(quantity)
        result.batches += 1
        result.consumed += len(batch)
        done: list[str] = []
        failed_before = len(result.failed)
        for message in batch:
            intake = to_intake(message, shop, correlation_id)
            msg_id = str(message.get("id") or "") if isinstance(message, Mapping) else ""
            try:
                queue.send(intake.model_dump_json(), dedup_id=f"taobao:{msg_id or intake.external_id}")
            except Exception:  # any failure: leave it unconfirmed for redelivery
                result.failed.append(msg_id)
                continue
            result.enqueued += 1
            result.unknown += intake.event_type == "unknown"
            if msg_id:
                done.append(msg_id)
        if done:
            client.confirm(done)
            result.confirmed.extend(done)
        if len(batch) < quantity or len(result.failed) > failed_before:
            break
    return result
