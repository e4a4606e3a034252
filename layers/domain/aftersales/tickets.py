"""Agent-facing ticket operations."""

from __future__ import annotations

from aftersales.errors import ConcurrentUpdate
from aftersales.models import Ticket, TicketStatus
from aftersales.ports import EventPublisher, TicketPage, TicketQuery, TicketRepository

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
