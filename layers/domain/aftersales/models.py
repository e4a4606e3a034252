"""The unified ticket every channel normalises into, and its status state machine."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aftersales.errors import IllegalTransition
from aftersales.taxonomy import Category

# Deterministic ids: the same (channel, external id) always gives the same ticket id,
# so a platform retry or a replayed message can never open a second ticket.
_TICKET_NAMESPACE = uuid.UUID("6f1c2a4e-8d3b-5c7a-9e0f-1a2b3c4d5e6f")


def utcnow() -> datetime:
    return datetime.now(UTC)


def ticket_id_for(channel: str, external_id: str) -> str:
    return "T-" + uuid.uuid5(_TICKET_NAMESPACE, f"{channel}:{external_id}").hex[:20].upper()


class Channel(StrEnum):
    WEB = "web"
    WEBCHAT = "webchat"
    SMS = "sms"
    PHONE = "phone"
    EMAIL = "email"
    PARTNER = "partner"
    DOUYIN = "douyin"
    YOUZAN = "youzan"
    KUAISHOU = "kuaishou"
    WECHAT = "wechat"
    WECOM = "wecom"
    WECHAT_SHOP = "wechat-shop"
    TAOBAO = "taobao"
    JD = "jd"
    PINDUODUO = "pinduoduo"


class TicketStatus(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    ASSIGNED = "assigned"
    WAITING_CUSTOMER = "waiting_customer"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES: frozenset[TicketStatus] = frozenset(
    {
        TicketStatus.NEW,
        TicketStatus.TRIAGED,
        TicketStatus.ASSIGNED,
        TicketStatus.WAITING_CUSTOMER,
        TicketStatus.IN_PROGRESS,
    }
)

# new → triaged → assigned → waiting_customer / in_progress → resolved → closed; reopen.
ALLOWED_TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.NEW: frozenset({TicketStatus.TRIAGED, TicketStatus.CLOSED}),
    TicketStatus.TRIAGED: frozenset({TicketStatus.ASSIGNED, TicketStatus.RESOLVED, TicketStatus.CLOSED}),
    TicketStatus.ASSIGNED: frozenset(
        {TicketStatus.IN_PROGRESS, TicketStatus.WAITING_CUSTOMER, TicketStatus.TRIAGED, TicketStatus.RESOLVED}
    ),
    TicketStatus.IN_PROGRESS: frozenset(
        {TicketStatus.WAITING_CUSTOMER, TicketStatus.RESOLVED, TicketStatus.ASSIGNED}
    ),
    TicketStatus.WAITING_CUSTOMER: frozenset(
        {TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED, TicketStatus.CLOSED}
    ),
    TicketStatus.RESOLVED: frozenset({TicketStatus.CLOSED, TicketStatus.IN_PROGRESS}),  # reopen
    TicketStatus.CLOSED: frozenset({TicketStatus.IN_PROGRESS}),  # reopen
}


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Customer(_Model):
    id: str = Field(min_length=1, max_length=128)
    name: str | None = Field(default=None, max_length=128)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    vip_tier: str | None = Field(default=None, max_length=32)
    platform_user_id: str | None = Field(default=None, max_length=128)


class OrderItem(_Model):
    sku: str = Field(min_length=1, max_length=128)
    name: str | None = Field(default=None, max_length=256)
    batch: str | None = Field(default=None, max_length=64)
    quantity: int = Field(default=1, ge=1, le=100_000)
    amount_fen: int | None = Field(default=None, ge=0, description="Line amount in fen (分)")
    sku_order_id: str | None = Field(default=None, max_length=128)


class Attachment(_Model):
    url: str = Field(min_length=1, max_length=2048)
    content_type: str | None = Field(default=None, max_length=128)
    name: str | None = Field(default=None, max_length=256)


class ExternalRefs(_Model):
    """Identifiers the platforms know the problem by."""

    message_id: str | None = None
    aftersale_id: str | None = None
    shop_id: str | None = None
    platform_order_id: str | None = None


class HistoryEntry(_Model):
    at: datetime = Field(default_factory=utcnow)
    actor: str = "system"
    action: str
    detail: dict[str, Any] = Field(default_factory=dict)


class AftersaleStatus(StrEnum):
    """Platform-neutral after-sale lifecycle; each channel maps its own codes onto it."""

    APPLIED = "applied"
    MODIFIED = "modified"
    REFUND_AGREED = "refund_agreed"
    RETURN_AGREED = "return_agreed"
    BUYER_RETURNED = "buyer_returned"
    REFUND_REFUSED = "refund_refused"
    RETURN_REFUSED = "return_refused"
    EXCHANGE_RESHIPPED = "exchange_reshipped"
    REFUND_SUCCEEDED = "refund_succeeded"
    ARBITRATION = "arbitration"
    CLOSED = "closed"


class TicketMessage(_Model):
    """One entry of the conversation thread, whichever channel it came through."""

    at: datetime = Field(default_factory=utcnow)
    direction: str = Field(default="inbound", pattern="^(inbound|outbound|note)$")
    channel: Channel
    message_id: str | None = None
    author: str | None = None
    text: str = ""
    attachments: list[Attachment] = Field(default_factory=list)
    merged_from: Channel | None = Field(default=None, description="Set when a second channel's message joined")


class SlaDue(_Model):
    first_response_at: datetime | None = None
    escalate_at: datetime | None = None
    resolve_at: datetime | None = None


class Ticket(_Model):
    id: str
    channel: Channel
    external_id: str
    external: ExternalRefs = Field(default_factory=ExternalRefs)
    customer: Customer
    order_id: str | None = None
    items: list[OrderItem] = Field(default_factory=list)
    order_amount_fen: int | None = Field(default=None, ge=0)
    subject: str | None = None
    text: str = ""
    language: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    aftersale_status: AftersaleStatus | None = None
    aftersale_updated_at: datetime | None = Field(default=None, description="Platform time of the status we hold")
    incomplete: bool = Field(default=False, description="Platform details still to fetch")
    raw_ref: str | None = Field(default=None, description="Where the raw platform message is kept for audit")
    messages: list[TicketMessage] = Field(default_factory=list)
    category: Category = Category.OTHER
    category_confidence: float | None = None
    tags: list[str] = Field(default_factory=list)
    needs_review: bool = False
    priority: Priority = Priority.P3
    status: TicketStatus = TicketStatus.NEW
    team: str = "triage"
    assignee: str | None = None
    sla: SlaDue = Field(default_factory=SlaDue)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    history: list[HistoryEntry] = Field(default_factory=list)
    version: int = 0

    @property
    def primary_sku(self) -> str | None:
        return self.items[0].sku if self.items else None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def transition(self, to: TicketStatus, actor: str = "system", reason: str | None = None) -> Ticket:
        """Return a copy in status ``to``; illegal moves raise IllegalTransition."""
        if to not in ALLOWED_TRANSITIONS[self.status]:
            allowed = sorted(s.value for s in ALLOWED_TRANSITIONS[self.status])
            raise IllegalTransition(
                f"cannot move ticket {self.id} from {self.status.value} to {to.value}",
                current=self.status.value,
                requested=to.value,
                allowed=allowed,
            )
        now = utcnow()
        action = (
            "reopened" if self.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) else "status_changed"
        )
        entry = HistoryEntry(
            at=now,
            actor=actor,
            action=action,
            detail={"from": self.status.value, "to": to.value, **({"reason": reason} if reason else {})},
        )
        return self.model_copy(update={"status": to, "updated_at": now, "history": [*self.history, entry]})


def yuan_to_fen(value: str | int | float | Decimal) -> int:
    """Platforms disagree on units (淘宝 yuan strings, 抖店/拼多多 fen ints); store fen."""
    return int((Decimal(str(value)) * 100).quantize(Decimal("1")))
