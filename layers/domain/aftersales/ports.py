"""Ports: what the domain needs from the outside world. Adapters implement them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aftersales.models import Ticket, TicketStatus


@dataclass(frozen=True)
class TicketQuery:
    status: TicketStatus | None = None
    team: str | None = None
    customer_id: str | None = None
    order_id: str | None = None
    sku: str | None = None
    assignee: str | None = None
    limit: int = 50
    cursor: str | None = None


@dataclass
class TicketPage:
    items: list[Ticket] = field(default_factory=list)
    next_cursor: str | None = None


class TicketRepository(ABC):
    """Ticket persistence. Every update is conditional on the version the caller read."""

    @abstractmethod
    def get(self, ticket_id: str) -> Ticket:
        """Return the ticket or raise NotFound."""

    @abstractmethod
    def create(self, ticket: Ticket) -> Ticket:
        """Store a new ticket (version 1) or raise AlreadyExists."""

    @abstractmethod
    def update(self, ticket: Ticket) -> Ticket:
        """Store ``ticket`` if the stored version still equals ``ticket.version``; bump it.

        Raises ConcurrentUpdate when somebody else wrote first, NotFound if it vanished.
        """

    @abstractmethod
    def query(self, query: TicketQuery) -> TicketPage:
        """List tickets by one access pattern (see docs/data-model.md)."""


class EventPublisher(ABC):
    """Domain events to the event bus (TicketCreated, TicketUpdated, …)."""

    @abstractmethod
    def publish(self, detail_type: str, detail: Mapping[str, Any]) -> None: ...


class IntakeQueue(ABC):
    """Durable hand-off from the fast intake edge to triage."""

    @abstractmethod
    def send(self, body: str, dedup_id: str) -> None: ...
