"""抖店 (Douyin shop) message push: verify ``event-sign``, split the array, map after-sale tags.

Push format (see /work/shared/webhooks.md): POST, JSON **array** of
``{"tag": "200", "msg_id": "...", "data": "<JSON string>"}``; headers ``app-id`` (app key)
and ``event-sign`` = lowercase hex ``md5(app_key + raw_body + app_secret)``. No timestamp or
nonce, so replay protection is de-duplication on ``msg_id`` (dedup key ``douyin:<msg_id>``).

The push carries no buyer identity, so every after-sale message is ``needs_enrichment``:
triage calls ``DouyinGateway.fetch_details`` (aftersales.adapters.platforms.douyin). Until
then the customer is a per-after-sale placeholder (``douyin-pending:<aftersale_id>``) so two
unrelated after-sales can never be merged by a shared fake identity.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from aftersales.errors import PayloadTooLarge, SignatureInvalid, ValidationFailed
from aftersales.intake.message import IntakeMessage
from aftersales.models import AftersaleStatus, Channel, Customer, ExternalRefs, OrderItem, ticket_id_for, utcnow
from aftersales.ports import IntakeQueue

MAX_BODY_BYTES = 256 * 1024
APP_ID_HEADER = "app-id"
SIGN_HEADER = "event-sign"
SUCCESS_REPLY: dict[str, Any] = {"code": 0, "msg": "success"}
FAILURE_REPLY: dict[str, Any] = {"code": 1, "msg": "fail"}

# 抖店售后消息 tag -> our lifecycle. 209 (售后超时时间变更) changes a deadline only: the
# event is kept but carries no status so triage never moves the status backwards.
AFTERSALE_TAGS: dict[str, AftersaleStatus | None] = {
    "200": AftersaleStatus.APPLIED,  # 买家发起售后申请
    "201": AftersaleStatus.REFUND_AGREED,  # 同意退款
    "202": AftersaleStatus.RETURN_AGREED,  # 同意退货
    "203": AftersaleStatus.BUYER_RETURNED,  # 买家退货给卖家
    "204": AftersaleStatus.REFUND_REFUSED,  # 拒绝退款
    "205": AftersaleStatus.RETURN_REFUSED,  # 拒绝退货
    "206": AftersaleStatus.REFUND_SUCCEEDED,  # 退款成功
    "207": AftersaleStatus.CLOSED,  # 售后关闭
    "208": AftersaleStatus.MODIFIED,  # 买家修改售后申请
    "209": None,  # 售后超时时长变更
    "211": AftersaleStatus.EXCHANGE_RESHIPPED,  # 换货卖家补发/发货
    "212": AftersaleStatus.ARBITRATION,  # 买家申请仲裁
}
# aftersale_type: 0 退货退款, 1 已发货仅退款, 2 未发货仅退款
AFTERSALE_TYPES: dict[str, str] = {"0": "return_refund", "1": "refund_only_shipped", "2": "refund_only_unshipped"}

ShopLookup = Callable[[str, str, str], tuple[str, dict[str, str]]]


def expected_sign(app_key: str, raw_body: bytes, app_secret: str) -> str:
    return hashlib.md5(app_key.encode() + raw_body + app_secret.encode()).hexdigest()


def verify(raw_body: bytes, headers: Mapping[str, str], lookup: ShopLookup) -> tuple[str, dict[str, str]]:
    """Return (shop, credentials) or raise SignatureInvalid; the sign covers the raw bytes."""
    lowered = {k.lower(): v for k, v in headers.items()}
    app_key = (lowered.get(APP_ID_HEADER) or "").strip()
    sign = (lowered.get(SIGN_HEADER) or "").strip().lower()
    if not app_key or not sign:
        raise SignatureInvalid("missing app-id or event-sign header")
    shop, creds = lookup(Channel.DOUYIN.value, "app_key", app_key)
    expected = expected_sign(app_key, raw_body, creds.get("app_secret", ""))
    if not hmac.compare_digest(expected, sign):
        raise SignatureInvalid("event-sign does not match the body")
    return shop, creds


def _epoch(value: Any) -> datetime | None:
    """抖店 times are unix seconds (int or numeric string); anything else is ignored."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    if number <= 0:
        return None
    if number > 10**11:  # milliseconds
        number //= 1000
    return datetime.fromtimestamp(number, UTC)


def _str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _unknown(item: Any, shop: str, index: int, received: datetime, correlation_id: str | None) -> IntakeMessage:
    """Anything we cannot map is kept raw and acknowledged, never dropped."""
    raw = json.dumps(item, ensure_ascii=False) if not isinstance(item, str) else item
    msg_id = _str(item.get("msg_id")) if isinstance(item, dict) else None
    tag = _str(item.get("tag")) if isinstance(item, dict) else None
    external_id = msg_id or "raw-" + hashlib.sha256(raw.encode()).hexdigest()[:32]
    return IntakeMessage(
        ticket_id=ticket_id_for(Channel.DOUYIN.value, external_id),
        channel=Channel.DOUYIN,
        external_id=external_id,
        event_type="unknown",
        platform_event=tag,
        received_at=received,
        correlation_id=correlation_id,
        customer=Customer(id=f"douyin-shop:{shop}"),
        external=ExternalRefs(message_id=external_id, shop_id=shop),
        raw=raw,
    )


def _aftersale(item: dict[str, Any], shop: str, received: datetime, correlation_id: str | None) -> IntakeMessage:
    tag = str(item["tag"])
    msg_id = _str(item.get("msg_id"))
    if not msg_id:
        raise ValueError("msg_id missing")
    data = item.get("data")
    payload = json.loads(data) if isinstance(data, str) else data
    if not isinstance(payload, dict):
        raise ValueError("data is not a JSON object")
    aftersale_id = _str(payload.get("aftersale_id"))
    if not aftersale_id:
        raise ValueError("aftersale_id missing")
    order_id = _str(payload.get("p_id"))
    sku_order_id = _str(payload.get("s_id"))
    amount = payload.get("refund_amount")
    amount_fen = int(amount) if amount not in (None, "") else None
    items = [OrderItem(sku=sku_order_id, sku_order_id=sku_order_id, amount_fen=amount_fen)] if sku_order_id else []
    aftersale_type = AFTERSALE_TYPES.get(str(payload.get("aftersale_type")))
    occurred = (
        _epoch(payload.get("update_time"))
        or _epoch(payload.get("modify_time"))
        or _epoch(payload.get("apply_time"))
        or _epoch(payload.get("create_time"))
    )
    return IntakeMessage(
        ticket_id=ticket_id_for(Channel.DOUYIN.value, aftersale_id),
        channel=Channel.DOUYIN,
        external_id=aftersale_id,
        event_type="aftersale",
        platform_event=tag,
        aftersale_status=AFTERSALE_TAGS[tag],
        occurred_at=occurred,
        needs_enrichment=True,
        received_at=received,
        correlation_id=correlation_id,
        customer=Customer(id=f"douyin-pending:{aftersale_id}"),
        order_id=order_id,
        order_amount_fen=amount_fen,
        items=items,
        subject=f"抖店售后 {aftersale_type}" if aftersale_type else None,
        external=ExternalRefs(
            message_id=msg_id,
            aftersale_id=aftersale_id,
            shop_id=shop,  # our credentials key: triage looks the gateway up by it (platform shop_id is in raw)
            platform_order_id=order_id,
        ),
        raw=json.dumps(item, ensure_ascii=False),
    )


def parse(
    raw_body: bytes, shop: str = "default", received: datetime | None = None, correlation_id: str | None = None
) -> list[IntakeMessage]:
    """One IntakeMessage per array element; a bad element becomes ``unknown``, never loses the others."""
    if len(raw_body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body is {len(raw_body)} bytes; the limit is {MAX_BODY_BYTES}")
    try:
        items = json.loads(raw_body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"body is not valid JSON: {exc}") from None
    if not isinstance(items, list):
        raise ValidationFailed("抖店 pushes a JSON array of messages")
    when = received or utcnow()
    messages: list[IntakeMessage] = []
    for index, item in enumerate(items):
        tag = str(item.get("tag")) if isinstance(item, dict) else None
        if tag in AFTERSALE_TAGS and isinstance(item, dict):
            try:
                messages.append(_aftersale(item, shop, when, correlation_id))
                continue
            except (ValueError, TypeError, KeyError):  # incl. JSONDecodeError and pydantic ValidationError
                pass  # falls through to unknown: kept raw, acknowledged
        messages.append(_unknown(item, shop, index, when, correlation_id))
    return messages


def accept(
    raw_body: bytes,
    headers: Mapping[str, str],
    queue: IntakeQueue,
    lookup: ShopLookup,
    now: datetime | None = None,
    correlation_id: str | None = None,
) -> list[IntakeMessage]:
    """Verify → parse → enqueue each message once (dedup on msg_id). Nothing slow here."""
    if len(raw_body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body is {len(raw_body)} bytes; the limit is {MAX_BODY_BYTES}")
    shop, _ = verify(raw_body, headers, lookup)
    messages = parse(raw_body, shop, now, correlation_id)
    for message in messages:
        queue.send(message.model_dump_json(), dedup_id=f"douyin:{message.external.message_id}")
    return messages
