"""Our own signed channels (web chat, SMS, call centre, partners) and the settings all intakes share.

These reuse the generic signing scheme (``aftersales.intake.signing``) and the generic
body; the only addition is the call-centre transcript: ``turns: [{speaker, text}]`` whose
customer turns become the ticket text (agent turns are kept in ``raw``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from aftersales.errors import NotFound, PayloadTooLarge, ValidationFailed
from aftersales.intake import generic, signing
from aftersales.intake.generic import MAX_BODY_BYTES, Accepted, GenericIntakeBody
from aftersales.intake.message import IntakeMessage
from aftersales.models import Channel, ExternalRefs, ticket_id_for, utcnow
from aftersales.ports import IntakeQueue
from aftersales.settings import IntakeSettings

# Path segment after /v1/intake/ -> channel. One Lambda serves them all.
GENERIC_CHANNELS: dict[str, Channel] = {
    "webchat": Channel.WEBCHAT,
    "sms": Channel.SMS,
    "phone": Channel.PHONE,
    "partner": Channel.PARTNER,
}


class ChannelIntakeSettings(IntakeSettings):
    """Intake edges that de-duplicate platform retries need the idempotency table too."""

    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)


def channel_for_path(path: str) -> Channel:
    segment = path.rstrip("/").rsplit("/", 1)[-1]
    try:
        return GENERIC_CHANNELS[segment]
    except KeyError:
        raise NotFound(f"no generic channel at {path!r}") from None


class Turn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    speaker: Literal["customer", "agent"]
    text: str = Field(min_length=1, max_length=10_000)


class PhoneIntakeBody(GenericIntakeBody):
    """A call-centre transcript: ``text`` may be omitted when ``turns`` carry the conversation."""

    text: str = Field(default="", max_length=50_000)
    turns: list[Turn] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _text_from_customer_turns(self) -> PhoneIntakeBody:
        if not self.text:
            self.text = "\n".join(t.text for t in self.turns if t.speaker == "customer")[:50_000]
        if not self.text:
            raise ValueError("either text or at least one customer turn is required")
        return self


def _parse_phone(raw_body: bytes) -> PhoneIntakeBody:
    try:
        data = json.loads(raw_body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValidationFailed("body must be a JSON object")
    try:
        return PhoneIntakeBody.model_validate(data)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in err["loc"]), "problem": err["msg"]}
            for err in exc.errors(include_url=False)
        ]
        raise ValidationFailed("body failed validation", errors=errors) from None


def accept_phone(
    raw_body: bytes,
    headers: Mapping[str, str],
    secrets: list[str],
    queue: IntakeQueue,
    now: datetime | None = None,
    correlation_id: str | None = None,
) -> Accepted:
    """Like ``generic.accept`` but understands transcripts; the signature still covers the raw bytes."""
    if len(raw_body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body is {len(raw_body)} bytes; the limit is {MAX_BODY_BYTES}")
    lowered = {k.lower(): v for k, v in headers.items()}
    received = now or utcnow()
    signing.verify(raw_body, lowered.get(signing.SIGNATURE_HEADER), secrets, now=received.timestamp())
    body = _parse_phone(raw_body)
    ticket_id = ticket_id_for(Channel.PHONE.value, body.external_id)
    message = IntakeMessage(
        ticket_id=ticket_id,
        channel=Channel.PHONE,
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
    queue.send(message.model_dump_json(), dedup_id=f"{Channel.PHONE.value}:{body.external_id}")
    return Accepted(ticket_id=ticket_id, external_id=body.external_id)


def accept(
    path: str,
    raw_body: bytes,
    headers: Mapping[str, str],
    secrets: list[str],
    queue: IntakeQueue,
    now: datetime | None = None,
    correlation_id: str | None = None,
) -> tuple[Channel, Accepted]:
    """Route by path: phone understands transcripts, the others are exactly the generic intake."""
    channel = channel_for_path(path)
    if channel is Channel.PHONE:
        return channel, accept_phone(raw_body, headers, secrets, queue, now, correlation_id)
    return channel, generic.accept(channel, raw_body, headers, secrets, queue, now, correlation_id)
