"""有赞 (Youzan) push: verify ``Event-Sign``, decode ``msg``, map refund events (mapping is data).

Headers ``Client-Id`` and ``Event-Sign`` = ``md5(client_id + raw_body + client_secret)``; the
body's own ``sign`` field is ignored (the header covers the raw bytes). ``msg`` is URL-encoded
JSON. Fees are yuan strings and are stored in fen.

Ordering: 有赞 says a higher ``version`` supersedes a lower one, and deliveries may arrive out
of order. ``version`` is a millisecond timestamp in practice, so it becomes ``occurred_at``
(falling back to ``update_time``, Beijing time); triage applies an after-sale event only if
its ``occurred_at`` is not older than the status it holds, so a late low version never
overrides a newer status.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.parse
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

from aftersales.errors import PayloadTooLarge, SignatureInvalid, ValidationFailed
from aftersales.intake.message import IntakeMessage
from aftersales.models import (
    AftersaleStatus,
    Channel,
    Customer,
    ExternalRefs,
    OrderItem,
    ticket_id_for,
    utcnow,
    yuan_to_fen,
)
from aftersales.ports import IntakeQueue

MAX_BODY_BYTES = 256 * 1024
CLIENT_ID_HEADER = "client-id"
SIGN_HEADER = "event-sign"
SUCCESS_REPLY: dict[str, Any] = {"code": 0, "msg": "success"}  # unconfirmed; 有赞 retries on non-2xx
BEIJING = timezone(timedelta(hours=8))
_EVENTS_FILE = Path(__file__).resolve().parent / "data" / "youzan_events.json"

ShopLookup = Callable[[str, str, str], tuple[str, dict[str, str]]]


@cache
def aftersale_events() -> dict[str, AftersaleStatus]:
    doc = json.loads(_EVENTS_FILE.read_text(encoding="utf-8"))
    return {name: AftersaleStatus(spec["status"]) for name, spec in doc["aftersale_events"].items()}


def expected_sign(client_id: str, raw_body: bytes, client_secret: str) -> str:
    return hashlib.md5(client_id.encode() + raw_body + client_secret.encode()).hexdigest()


def verify(raw_body: bytes, headers: Mapping[str, str], lookup: ShopLookup) -> tuple[str, dict[str, str]]:
    lowered = {k.lower(): v for k, v in headers.items()}
    client_id = (lowered.get(CLIENT_ID_HEADER) or "").strip()
    sign = (lowered.get(SIGN_HEADER) or "").strip().lower()
    if not client_id or not sign:
        raise SignatureInvalid("missing Client-Id or Event-Sign header")
    shop, creds = lookup(Channel.YOUZAN.value, "client_id", client_id)
    if not hmac.compare_digest(expected_sign(client_id, raw_body, creds.get("client_secret", "")), sign):
        raise SignatureInvalid("Event-Sign does not match the body")
    return shop, creds


def _str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def occurred_at(version: Any, update_time: Any) -> datetime | None:
    """``version`` (epoch ms) when plausible, else ``update_time`` ("YYYY-MM-DD HH:MM:SS", Beijing)."""
    try:
        number = int(str(version))
        if 10**12 <= number < 10**13:
            return datetime.fromtimestamp(number / 1000, UTC)
    except (TypeError, ValueError):
        pass
    if isinstance(update_time, str) and update_time:
        try:
            return datetime.strptime(update_time, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING).astimezone(UTC)
        except ValueError:
            return None
    return None


def decode_msg(value: Any) -> dict[str, Any]:
    if not isinstance(value, str):
        raise ValueError("msg is not a string")
    decoded = json.loads(urllib.parse.unquote_plus(value))
    if not isinstance(decoded, dict):
        raise ValueError("msg is not a JSON object")
    return decoded


def parse(
    raw_body: bytes, shop: str = "default", received: datetime | None = None, correlation_id: str | None = None
) -> IntakeMessage:
    if len(raw_body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body is {len(raw_body)} bytes; the limit is {MAX_BODY_BYTES}")
    try:
        body = json.loads(raw_body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"body is not valid JSON: {exc}") from None
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        raise ValidationFailed("有赞 pushes a JSON object with a string 'type'")
    when = received or utcnow()
    event_type: str = body["type"]
    raw = raw_body.decode("utf-8", errors="replace")
    message_id = _str(body.get("msg_id")) or f"{event_type}:{body.get('id')}:{body.get('version')}"
    when_happened = occurred_at(body.get("version"), None)
    status = aftersale_events().get(event_type)
    if status is not None and not body.get("test"):
        try:
            return _aftersale(body, status, message_id, shop, when, correlation_id, raw)
        except (ValueError, ArithmeticError):  # JSON, pydantic, Decimal errors: keep it raw as unknown
            pass
    return IntakeMessage(
        ticket_id=ticket_id_for(Channel.YOUZAN.value, message_id),
        channel=Channel.YOUZAN,
        external_id=message_id,
        event_type="unknown",
        platform_event=event_type,
        occurred_at=when_happened,
        received_at=when,
        correlation_id=correlation_id,
        customer=Customer(id=f"youzan-shop:{_str(body.get('kdt_id')) or shop}"),
        order_id=_str(body.get("id")),
        external=ExternalRefs(message_id=message_id, shop_id=shop),
        raw=raw,
    )


def _aftersale(
    body: dict[str, Any],
    status: AftersaleStatus,
    message_id: str,
    shop: str,
    received: datetime,
    correlation_id: str | None,
    raw: str,
) -> IntakeMessage:
    msg = decode_msg(body.get("msg"))
    refund_id = _str(msg.get("refund_id"))
    if not refund_id:
        raise ValueError("refund_id missing")
    order_id = _str(msg.get("tid")) or _str(body.get("id"))
    fee = msg.get("refunded_fee")
    oids = [o.strip() for o in str(msg.get("oids") or "").split(",") if o.strip()]
    reason = _str(msg.get("refund_reason_desc")) or _str(msg.get("refund_reason")) or ""
    return IntakeMessage(
        ticket_id=ticket_id_for(Channel.YOUZAN.value, refund_id),
        channel=Channel.YOUZAN,
        external_id=refund_id,
        event_type="aftersale",
        platform_event=str(body["type"]),
        aftersale_status=status,
        occurred_at=occurred_at(body.get("version"), msg.get("update_time")),
        needs_enrichment=True,  # no buyer identity in the push
        received_at=received,
        correlation_id=correlation_id,
        customer=Customer(id=f"youzan-pending:{refund_id}"),
        order_id=order_id,
        order_amount_fen=yuan_to_fen(fee) if fee not in (None, "") else None,
        items=[OrderItem(sku=oid, sku_order_id=oid) for oid in oids],
        subject=f"有赞退款 refund_type={msg['refund_type']}" if msg.get("refund_type") not in (None, "") else None,
        text=reason,
        external=ExternalRefs(
            message_id=message_id,
            aftersale_id=refund_id,
            shop_id=shop,  # our credentials key (the gateway lookup); 有赞 kdt_id stays in raw
            platform_order_id=order_id,
        ),
        raw=raw,
    )


def accept(
    raw_body: bytes,
    headers: Mapping[str, str],
    queue: IntakeQueue,
    lookup: ShopLookup,
    now: datetime | None = None,
    correlation_id: str | None = None,
) -> IntakeMessage:
    if len(raw_body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body is {len(raw_body)} bytes; the limit is {MAX_BODY_BYTES}")
    shop, _ = verify(raw_body, headers, lookup)
    message = parse(raw_body, shop, now, correlation_id)
    queue.send(message.model_dump_json(), dedup_id=f"youzan:{message.external.message_id}")
    return message
