"""Ports: what the domain needs from the outside world. Adapters implement them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aftersales.classification.corrections import Correction
from aftersales.intake.message import IntakeMessage
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

    @abstractmethod
    def add_alias(self, alias_id: str, ticket_id: str) -> None:
        """Make ``get(alias_id)`` return ticket ``ticket_id`` (a message merged into another ticket)."""


class EventPublisher(ABC):
    """Domain events to the event bus (TicketCreated, TicketUpdated, …)."""

    @abstractmethod
    def publish(self, detail_type: str, detail: Mapping[str, Any]) -> None: ...


class IntakeQueue(ABC):
    """Durable hand-off from the fast intake edge to triage."""

    @abstractmethod
    def send(self, body: str, dedup_id: str) -> None: ...


class PlatformGateway(ABC):
    """A marketplace/messaging platform's API, as the domain needs it.

    Implementations live in ``aftersales.adapters.platforms.<platform>`` and are looked
    up by channel in ``aftersales.adapters.platforms.gateway_for``. Every call has a
    timeout and retries with backoff; write operations take an idempotency key and must
    never perform the same operation twice for one key.
    """

    channel: str

    def fetch_details(self, message: IntakeMessage) -> IntakeMessage:
        """Complete a notification-only push (buyer, items, amounts, text); raise on failure."""
        raise NotImplementedError(f"{self.channel} pushes carry full details")

    def send_reply(self, ticket: Ticket, text: str, idempotency_key: str) -> dict[str, Any]:
        raise NotImplementedError(f"{self.channel} cannot send replies")

    def agree_return(self, ticket: Ticket, return_address: str, idempotency_key: str) -> dict[str, Any]:
        raise NotImplementedError(f"{self.channel} has no after-sale operations")

    def agree_refund(self, ticket: Ticket, idempotency_key: str) -> dict[str, Any]:
        raise NotImplementedError(f"{self.channel} has no after-sale operations")

    def refuse(self, ticket: Ticket, reason: str, idempotency_key: str) -> dict[str, Any]:
        raise NotImplementedError(f"{self.channel} has no after-sale operations")


class RawArchive(ABC):
    """Raw platform messages kept for audit (S3 in the cloud and in the local moto)."""

    @abstractmethod
    def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> str:
        """Store and return a reference (s3://bucket/key)."""


class CorrectionStore(ABC):
    """Agents' category corrections: labelled examples for the next retrain."""

    @abstractmethod
    def save(self, correction: Correction) -> None:
        """Idempotent on (ticket_id, corrected_at)."""

    @abstractmethod
    def list_all(self) -> list[Correction]: ...
