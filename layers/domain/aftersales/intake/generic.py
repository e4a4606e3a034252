"""Our own signed JSON intake (web forms, web chat, SMS and call-centre gateways, partners)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aftersales.errors import PayloadTooLarge, ValidationFailed
from aftersales.intake import signing
from aftersales.intake.message import IntakeMessage
from aftersales.models import Attachment, Channel, Customer, ExternalRefs, OrderItem, ticket_id_for, utcnow
from aftersales.ports import IntakeQueue

MAX_BODY_BYTES = 128 * 1024


class GenericIntakeBody(BaseModel):
    """What a sender posts to ``/v1/intake/<channel>``."""

    model_config = ConfigDict(extra="ignore")

    external_id: str = Field(min_length=1, max_length=256, description="Sender's id: de-duplication key")
    customer: Customer
    order_id: str | None = Field(default=None, max_length=128)
    order_amount_fen: int | None = Field(default=None, ge=0)
    items: list[OrderItem] = Field(default_factory=list, max_length=100)
    subject: str | None = Field(default=None, max_length=512)
    text: str = Field(min_length=1, max_length=50_000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)


@dataclass(frozen=True)
class Accepted:
    ticket_id: str
    external_id: str


def parse_body(raw_body: bytes) -> GenericIntakeBody:
    if len(raw_body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body is {len(raw_body)} bytes; the limit is {MAX_BODY_BYTES}")
    try:
        data = json.loads(raw_body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValidationFailed("body must be a JSON object")
    try:
        return GenericIntakeBody.model_validate(data)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in err["loc"]), "problem": err["msg"]}
            for err in exc.errors(include_url=False)
        ]
        raise ValidationFailed("body failed validation", errors=errors) from None


def accept(
    channel: Channel,
    raw_body: bytes,
    headers: Mapping[str, str],
    secrets: list[str],
    queue: IntakeQueue,
    now: datetime | None = None,
    correlation_id: str | None = None,
) -> Accepted:
    """Verify, validate and enqueue; nothing slow happens before the acknowledgement."""
    if len(raw_body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body is {len(raw_body)} bytes; the limit is {MAX_BODY_BYTES}")
    lowered = {k.lower(): v for k, v in headers.items()}
    received = now or utcnow()
    signing.verify(raw_body, lowered.get(signing.SIGNATURE_HEADER), secrets, now=received.timestamp())
    body = parse_body(raw_body)
    ticket_id = ticket_id_for(channel.value, body.external_id)
    message = IntakeMessage(
        ticket_id=ticket_id,
        channel=channel,
        external_id=body.external_id,
        received_at=received,
        correlation_id=correlation_id,
        customer=body.customer,
        order_id=body.order_id,
        order_amount_fen=body.order_amount_fen,
        items=body.items,
        subject=body.subject,
        text=body.text,
        attachments=body.attachments,
        external=ExternalRefs(message_id=body.external_id, platform_order_id=body.order_id),
        raw=raw_body.decode("utf-8", errors="replace"),
    )
    queue.send(message.model_dump_json(), dedup_id=f"{channel.value}:{body.external_id}")
    return Accepted(ticket_id=ticket_id, external_id=body.external_id)
