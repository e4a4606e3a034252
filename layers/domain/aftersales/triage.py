"""Triage: turn an IntakeMessage into a stored, classified ticket and announce it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from aftersales.errors import AlreadyExists
from aftersales.intake.message import IntakeMessage
from aftersales.models import HistoryEntry, SlaDue, Ticket, TicketStatus
from aftersales.policies import load_policy
from aftersales.ports import EventPublisher, TicketRepository
from aftersales.taxonomy import Category

TICKET_CREATED = "TicketCreated"


@dataclass(frozen=True)
class Classification:
    category: Category
    confidence: float
    tags: list[str] = field(default_factory=list)
    needs_review: bool = False
    language: str | None = None


class TextClassifier(Protocol):
    def __call__(self, text: str) -> Classification: ...


def _sla_for(ticket: Ticket) -> SlaDue:
    """SLA due times come from the versioned policy file, not from code."""
    policy = load_policy("sla")
    hours = policy["priorities"].get(ticket.priority.value, policy["priorities"]["default"])
    start = ticket.created_at
    return SlaDue(
        first_response_at=start + timedelta(hours=hours["first_response_h"]),
        escalate_at=start + timedelta(hours=hours["escalate_h"]),
        resolve_at=start + timedelta(hours=hours["resolve_h"]),
    )


def build_ticket(message: IntakeMessage, classify: TextClassifier) -> Ticket:
    text = "\n".join(part for part in (message.subject, message.text) if part)
    result = classify(text)
    ticket = Ticket(
        id=message.ticket_id,
        channel=message.channel,
        external_id=message.external_id,
        external=message.external,
        customer=message.customer,
        order_id=message.order_id,
        items=message.items,
        order_amount_fen=message.order_amount_fen,
        subject=message.subject,
        text=message.text,
        language=result.language,
        attachments=message.attachments,
        category=result.category,
        category_confidence=round(result.confidence, 4),
        tags=list(result.tags),
        needs_review=result.needs_review,
        created_at=message.received_at,
        updated_at=message.received_at,
        history=[
            HistoryEntry(
                at=message.received_at,
                action="created",
                detail={"channel": message.channel.value, "external_id": message.external_id},
            )
        ],
    )
    ticket = ticket.transition(TicketStatus.TRIAGED, reason=f"classified as {result.category.value}")
    return ticket.model_copy(update={"sla": _sla_for(ticket)})


def created_event(ticket: Ticket) -> dict[str, object]:
    return {
        "event_id": f"{TICKET_CREATED}:{ticket.id}",
        "ticket_id": ticket.id,
        "channel": ticket.channel.value,
        "category": ticket.category.value,
        "priority": ticket.priority.value,
        "status": ticket.status.value,
        "team": ticket.team,
        "needs_review": ticket.needs_review,
        "order_id": ticket.order_id,
        "customer_id": ticket.customer.id,
        "created_at": ticket.created_at.isoformat(),
    }


def triage(
    message: IntakeMessage,
    repository: TicketRepository,
    publisher: EventPublisher,
    classify: TextClassifier,
) -> Ticket:
    """Idempotent: a redelivered message finds its ticket and re-announces it.

    The TicketCreated event carries a deterministic ``event_id`` so consumers can
    de-duplicate the (rare) second announcement after a crash between write and publish.
    """
    try:
        ticket = repository.create(build_ticket(message, classify))
    except AlreadyExists:
        ticket = repository.get(message.ticket_id)
    publisher.publish(TICKET_CREATED, created_event(ticket))
    return ticket
