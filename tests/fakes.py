"""In-memory implementations of the ports for domain tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aftersales.classification.corrections import Correction
from aftersales.errors import AlreadyExists, ConcurrentUpdate, NotFound
from aftersales.models import Ticket, utcnow
from aftersales.ports import CorrectionStore, EventPublisher, IntakeQueue, TicketPage, TicketQuery, TicketRepository


class InMemoryTicketRepository(TicketRepository):
    def __init__(self) -> None:
        self.tickets: dict[str, Ticket] = {}
        self.aliases: dict[str, str] = {}

    def get(self, ticket_id: str) -> Ticket:
        ticket_id = self.aliases.get(ticket_id, ticket_id)
        try:
            return self.tickets[ticket_id]
        except KeyError:
            raise NotFound(f"ticket {ticket_id} not found") from None

    def add_alias(self, alias_id: str, ticket_id: str) -> None:
        self.aliases.setdefault(alias_id, ticket_id)

    def create(self, ticket: Ticket) -> Ticket:
        if ticket.id in self.tickets:
            raise AlreadyExists(f"ticket {ticket.id} already exists")
        stored = ticket.model_copy(update={"version": 1})
        self.tickets[ticket.id] = stored
        return stored

    def update(self, ticket: Ticket) -> Ticket:
        current = self.get(ticket.id)
        if current.version != ticket.version:
            raise ConcurrentUpdate("changed by someone else", current_version=current.version)
        stored = ticket.model_copy(update={"version": ticket.version + 1, "updated_at": utcnow()})
        self.tickets[ticket.id] = stored
        return stored

    def query(self, query: TicketQuery) -> TicketPage:
        def keep(t: Ticket) -> bool:
            return all(
                (
                    query.status is None or t.status == query.status,
                    query.team is None or t.team == query.team,
                    query.customer_id is None or t.customer.id == query.customer_id,
                    query.order_id is None or t.order_id == query.order_id,
                    query.assignee is None or t.assignee == query.assignee,
                    query.sku is None or t.primary_sku == query.sku,
                )
            )

        items = sorted(filter(keep, self.tickets.values()), key=lambda t: t.created_at, reverse=True)
        return TicketPage(items=items[: query.limit])


class RecordingPublisher(EventPublisher):
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def publish(self, detail_type: str, detail: Mapping[str, Any]) -> None:
        self.events.append((detail_type, dict(detail)))


class ListQueue(IntakeQueue):
    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    def send(self, body: str, dedup_id: str) -> None:
        self.messages.append((body, dedup_id))


class InMemoryCorrections(CorrectionStore):
    def __init__(self) -> None:
        self.items: list[Correction] = []

    def save(self, correction: Correction) -> None:
        if correction not in self.items:
            self.items.append(correction)

    def list_all(self) -> list[Correction]:
        return list(self.items)
