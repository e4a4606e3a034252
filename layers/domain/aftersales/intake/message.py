"""The message every intake puts on the intake queue; triage turns it into a ticket."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from aftersales.models import Attachment, Channel, Customer, ExternalRefs, OrderItem, utcnow


class IntakeMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    ticket_id: str
    channel: Channel
    external_id: str = Field(min_length=1, max_length=256)
    event_type: str = "message"
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
