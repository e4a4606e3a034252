"""The message every intake puts on the intake queue; triage turns it into a ticket."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from aftersales.models import AftersaleStatus, Attachment, Channel, Customer, ExternalRefs, OrderItem, utcnow


class IntakeMessage(BaseModel):
    """Channel-neutral hand-off.

    ``external_id`` names the *problem* (the platform's after-sale id where there is one,
    else the sender's message id), so every later event about the same after-sale maps
    to the same ticket; ``external.message_id`` names this one delivery (de-duplication).
    ``event_type``: ``message`` (customer wrote), ``aftersale`` (platform lifecycle event),
    ``unknown`` (stored raw and acknowledged, never dropped).
    """

    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    ticket_id: str
    channel: Channel
    external_id: str = Field(min_length=1, max_length=256)
    event_type: str = Field(default="message", pattern="^(message|aftersale|unknown)$")
    platform_event: str | None = Field(default=None, description="Platform's own event name/tag, e.g. 抖店 tag 206")
    aftersale_status: AftersaleStatus | None = None
    occurred_at: datetime | None = Field(default=None, description="When the platform says it happened")
    needs_enrichment: bool = Field(default=False, description="Push was only a notification: fetch details")
    received_at: datetime = Field(default_factory=utcnow)
    correlation_id: str | None = None
    customer: Customer
    order_id: str | None = None
    order_amount_fen: int | None = None
    items: list[OrderItem] = Field(default_factory=list)
    subject: str | None = None
    text: str = ""
    attachments: list[Attachment] = Field(default_factory=list)
    external: ExternalRefs = Field(default_factory=ExternalRefs)
    raw: str | None = Field(default=None, description="Raw body as received, kept for audit")
