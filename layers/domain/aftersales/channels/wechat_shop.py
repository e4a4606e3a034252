"""微信小店 (WeChat shop) after-sale pushes → IntakeMessage.

Transport: the WeChat token/EncodingAESKey scheme (see ``aftersales.channels.wechat``; the
receive id is the shop's AppID). ``channels_ec_aftersale_update`` carries only
``finder_shop_aftersale_status_update {status, after_sale_order_id, order_id}``: no buyer, no
amounts, so every message is ``needs_enrichment`` and triage fetches the detail through
``WeChatShopGateway.fetch_details``. ``external_id`` is the after-sale order id, so every
status change of one after-sale lands on one ticket. ``channels_ec_complaint_update``
(纠纷/投诉) is mapped to ``arbitration`` on the same after-sale when the push names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aftersales.channels import wechat
from aftersales.errors import PayloadTooLarge, ValidationFailed
from aftersales.intake.message import IntakeMessage
from aftersales.models import AftersaleStatus, Channel, Customer, ExternalRefs, ticket_id_for, utcnow
from aftersales.ports import IntakeQueue

AFTERSALE_EVENT = "channels_ec_aftersale_update"
COMPLAINT_EVENT = "channels_ec_complaint_update"

# 微信小店 after-sale statuses (webhooks.md) → platform-neutral lifecycle.
STATUS_MAP: dict[str, AftersaleStatus] = {
    "USER_CANCELD": AftersaleStatus.CLOSED,  # 用户取消申请 (sic: the platform's spelling)
    "MERCHANT_PROCESSING": AftersaleStatus.APPLIED,  # 商家受理中
    "MERCHANT_REJECT_REFUND": AftersaleStatus.REFUND_REFUSED,  # 商家拒绝退款
    "MERCHANT_REJECT_RETURN": AftersaleStatus.RETURN_REFUSED,  # 商家拒绝退货退款
    "USER_WAIT_RETURN": AftersaleStatus.RETURN_AGREED,  # 待买家退货
    "RETURN_CLOSED": AftersaleStatus.CLOSED,  # 退货退款关闭
    "MERCHANT_WAIT_RECEIPT": AftersaleStatus.BUYER_RETURNED,  # 待商家收货
    "MERCHANT_REFUND_SUCCESS": AftersaleStatus.REFUND_SUCCEEDED,  # 退款成功
    "MERCHANT_RETURN_SUCCESS": AftersaleStatus.REFUND_SUCCEEDED,  # 退货退款成功
    "PLATFORM_REFUNDING": AftersaleStatus.REFUND_AGREED,  # 平台退款中
}


def _find(data: Any, key: str) -> str | None:
    """First value of ``key`` anywhere in a nested push (field nesting is partly unconfirmed)."""
    if isinstance(data, Mapping):
        value = data.get(key)
        if isinstance(value, str | int) and str(value):
            return str(value)
        for child in data.values():
            found = _find(child, key)
            if found:
                return found
    elif isinstance(data, list):
        for child in data:
            found = _find(child, key)
            if found:
                return found
    return None


def to_intake(
    fields: Mapping[str, Any],
    raw: str,
    received_at: datetime | None = None,
    correlation_id: str | None = None,
    shop: str = "default",
) -> tuple[IntakeMessage, str]:
    """Map one decrypted shop push to an IntakeMessage and its de-duplication id."""
    channel = Channel.WECHAT_SHOP
    event = wechat.text_field(fields, "Event")
    create_time = wechat.text_field(fields, "CreateTime")
    aftersale_id = _find(fields, "after_sale_order_id")
    order_id = _find(fields, "order_id")
    status_code = None
    status: AftersaleStatus | None = None
    if event == AFTERSALE_EVENT and aftersale_id:
        update = fields.get("finder_shop_aftersale_status_update")
        status_code = _find(update, "status") if update is not None else None
        status = STATUS_MAP.get(status_code or "")
        event_type = "aftersale"
    elif event == COMPLAINT_EVENT and (aftersale_id or _find(fields, "complaint_id")):
        status = AftersaleStatus.ARBITRATION
        status_code = _find(fields, "complaint_event") or _find(fields, "status")
        event_type = "aftersale"
    else:
        event_type = "unknown"
    problem_id = aftersale_id or _find(fields, "complaint_id")
    sender = wechat.text_field(fields, "FromUserName") or "unknown"
    delivery_id = ":".join(p for p in (event or "unknown", problem_id or sender, status_code or "", create_time) if p)
    external_id = problem_id or delivery_id
    message = IntakeMessage(
        ticket_id=ticket_id_for(channel.value, external_id),
        channel=channel,
        external_id=external_id[:256],
        event_type=event_type,
        platform_event=":".join(p for p in (event, status_code) if p) or None,
        aftersale_status=status,
        occurred_at=wechat.created_at(fields),
        needs_enrichment=event_type == "aftersale",
        received_at=received_at or utcnow(),
        correlation_id=correlation_id,
        # The push names no buyer: a per-after-sale placeholder until fetch_details fills it in
        # (never a shared id, so triage cannot merge strangers' tickets).
        customer=Customer(id=f"pending:{external_id}"[:128]),
        order_id=order_id,
        external=ExternalRefs(
            message_id=delivery_id[:256],
            aftersale_id=aftersale_id,
            platform_order_id=order_id,
            shop_id=shop,  # our shop key: triage fetches details with this shop's credentials
        ),
        raw=raw,
    )
    return message, f"{channel.value}:{delivery_id}"


def accept(
    raw_body: bytes,
    query: Mapping[str, str],
    queue: IntakeQueue,
    keys: wechat.WeChatKeys | None = None,
    correlation_id: str | None = None,
) -> wechat.Accepted:
    if len(raw_body) > wechat.MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body is {len(raw_body)} bytes; the limit is {wechat.MAX_BODY_BYTES}")
    shop = wechat.shop_from_query(query)
    keys = keys or wechat.WeChatKeys.for_channel(Channel.WECHAT_SHOP.value, shop, "app_id")
    fields, plaintext = wechat.open_envelope(raw_body, query, keys)
    if not fields:
        raise ValidationFailed("empty message")
    message, dedup_id = to_intake(fields, plaintext, correlation_id=correlation_id, shop=shop)
    queue.send(message.model_dump_json(), dedup_id=dedup_id)
    return wechat.Accepted(message.ticket_id, message.external_id, message.event_type)
