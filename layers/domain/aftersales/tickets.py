"""Agent-facing ticket operations."""

from __future__ import annotations

from aftersales.classification.corrections import Correction
from aftersales.errors import ConcurrentUpdate
from aftersales.models import HistoryEntry, Ticket, TicketStatus, utcnow
from aftersales.ports import CorrectionStore, EventPublisher, TicketPage, TicketQuery, TicketRepository
from aftersales.taxonomy import Category

TICKET_UPDATED = "TicketUpdated"


def get_ticket(repository: TicketRepository, ticket_id: str) -> Ticket:
    return repository.get(ticket_id)


def list_tickets(repository: TicketRepository, query: TicketQuery) -> TicketPage:
    return repository.query(query)


def change_status(
    repository: TicketRepository,
    publisher: EventPublisher,
    ticket_id: str,
    to: TicketStatus,
    actor: str,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Ticket:
    """Move a ticket along its state machine with an optimistic-lock write."""
    current = repository.get(ticket_id)
    if expected_version is not None and expected_version != current.version:
        raise ConcurrentUpdate(
            f"ticket {ticket_id} is at version {current.version}, not {expected_version}",
            current_version=current.version,
        )
    updated = repository.update(current.transition(to, actor=actor, reason=reason))
    publisher.publish(
        TICKET_UPDATED,
        {
            "event_id": f"{TICKET_UPDATED}:{updated.id}:{updated.version}",
            "ticket_id": updated.id,
            "status": updated.status.value,
            "previous_status": current.status.value,
            "version": updated.version,
            "actor": actor,
        },
    )
    return updated


def correct_category(
    repository: TicketRepository,
    corrections: CorrectionStore,
    publisher: EventPublisher,
    ticket_id: str,
    category: Category,
    actor: str,
    expected_version: int | None = None,
) -> Ticket:
    """An agent fixes the category: the ticket changes and the fix becomes a training example."""
    current = repository.get(ticket_id)
    if expected_version is not None and expected_version != current.version:
        raise ConcurrentUpdate(
            f"ticket {ticket_id} is at version {current.version}, not {expected_version}",
            current_version=current.version,
        )
    now = utcnow()
    entry = HistoryEntry(
        at=now,
        actor=actor,
        action="category_corrected",
        detail={"from": current.category.value, "to": category.value},
    )
    updated = repository.update(
        current.model_copy(
            update={
                "category": category,
                "category_confidence": 1.0,
                "needs_review": False,
                "history": [*current.history, entry],
            }
        )
    )
    text = "\n".join(p for p in (current.subject, current.text) if p).strip()
    if text:
        corrections.save(
            Correction(
                text=text[:20_000],
                category=category,
                ticket_id=current.id,
                predicted=current.category,
                corrected_by=actor,
                corrected_at=now,
            )
        )
    publisher.publish(
        TICKET_UPDATED,
        {
            "event_id": f"{TICKET_UPDATED}:{updated.id}:{updated.version}",
            "ticket_id": updated.id,
            "category": category.value,
            "previous_category": current.category.value,
            "version": updated.version,
            "actor": actor,
        },
    )
    return updated
