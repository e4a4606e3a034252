"""Triage: one problem, one ticket.

An IntakeMessage either opens a ticket, updates the ticket of the same after-sale
(platform lifecycle events, in any order), or joins the customer's open ticket about
the same order when it arrives on a second channel. Every write is conditional and
every step is idempotent, so SQS redeliveries never duplicate anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from aftersales.errors import AlreadyExists, ConcurrentUpdate, NotFound
from aftersales.intake.message import IntakeMessage
from aftersales.models import (
    ALLOWED_TRANSITIONS,
    AftersaleStatus,
    HistoryEntry,
    SlaDue,
    Ticket,
    TicketMessage,
    TicketStatus,
    utcnow,
)
from aftersales.observability import logger
from aftersales.policies import load_policy
from aftersales.ports import EventPublisher, PlatformGateway, TicketQuery, TicketRepository
from aftersales.taxonomy import Category

TICKET_CREATED = "TicketCreated"
TICKET_UPDATED = "TicketUpdated"
UNKNOWN_EVENT = "UnknownPlatformEvent"


@dataclass(frozen=True)
class Classification:
    category: Category
    confidence: float
    tags: list[str] = field(default_factory=list)
    needs_review: bool = False
    language: str | None = None
    #: what the model saw besides the category (alternatives, anger, keywords, entities, model version)
    details: dict[str, Any] = field(default_factory=dict)


class TextClassifier(Protocol):
    def __call__(self, text: str) -> Classification: ...


GatewayLookup = Callable[[str, str], PlatformGateway | None]


def _no_gateways(channel: str, shop: str) -> PlatformGateway | None:
    return None


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


def _thread_entry(message: IntakeMessage, merged_from: Any = None) -> TicketMessage:
    return TicketMessage(
        at=message.occurred_at or message.received_at,
        channel=message.channel,
        message_id=message.external.message_id or message.external_id,
        author=message.customer.id,
        text=message.text,
        attachments=message.attachments,
        merged_from=merged_from,
    )


def _classification_fields(result: Classification) -> dict[str, Any]:
    """The ticket fields a classification sets (new tickets and late-arriving text alike)."""
    return {
        "category": result.category,
        "category_confidence": round(result.confidence, 4),
        "tags": list(result.tags),
        "needs_review": result.needs_review,
        "language": result.language,
    }


def _classified_entry(result: Classification, at: datetime) -> HistoryEntry:
    """What the model saw, kept on the timeline (audit, corrections, model comparisons)."""
    detail = {"category": result.category.value, "confidence": round(result.confidence, 4), **result.details}
    return HistoryEntry(at=at, action="classified", detail=detail)


def build_ticket(message: IntakeMessage, classify: TextClassifier, incomplete: bool = False) -> Ticket:
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
        attachments=message.attachments,
        aftersale_status=message.aftersale_status,
        aftersale_updated_at=message.occurred_at if message.aftersale_status else None,
        incomplete=incomplete,
        messages=[_thread_entry(message)] if message.text else [],
        **_classification_fields(result),
        created_at=message.received_at,
        updated_at=message.received_at,
        history=[
            HistoryEntry(
                at=message.received_at,
                action="created",
                detail={
                    "channel": message.channel.value,
                    "external_id": message.external_id,
                    **({"platform_event": message.platform_event} if message.platform_event else {}),
                },
            )
        ],
    )
    if result.details:
        ticket.history.append(_classified_entry(result, message.received_at))
    ticket = ticket.transition(TicketStatus.TRIAGED, reason=f"classified as {result.category.value}")
    ticket = ticket.model_copy(update={"sla": _sla_for(ticket)})
    if message.aftersale_status:
        ticket = _apply_aftersale(ticket, message)
    return ticket


def _move_to(ticket: Ticket, target: TicketStatus, reason: str) -> Ticket:
    """Follow the state machine to ``target`` (via resolved if needed); platform status is authoritative."""
    if ticket.status == target:
        return ticket
    if target in ALLOWED_TRANSITIONS[ticket.status]:
        return ticket.transition(target, actor="platform", reason=reason)
    if TicketStatus.RESOLVED in ALLOWED_TRANSITIONS[ticket.status] and target == TicketStatus.CLOSED:
        return ticket.transition(TicketStatus.RESOLVED, actor="platform", reason=reason).transition(
            target, actor="platform", reason=reason
        )
    return ticket


def _apply_aftersale(ticket: Ticket, message: IntakeMessage) -> Ticket:
    policy = load_policy("intake")
    status = message.aftersale_status
    occurred = message.occurred_at or message.received_at
    entry = HistoryEntry(
        at=occurred,
        actor="platform",
        action="aftersale_event",
        detail={
            "platform_event": message.platform_event,
            "aftersale_status": status.value if status else None,
            "message_id": message.external.message_id,
        },
    )
    updated = ticket.model_copy(update={"history": [*ticket.history, entry]})
    if status is None:
        return updated
    if ticket.aftersale_updated_at is not None and occurred < ticket.aftersale_updated_at:
        # Out of order: keep the newer status we already hold, but keep the event on the timeline.
        return updated
    tags = list(updated.tags)
    tag = policy["aftersale_tags"].get(status.value)
    if tag and tag not in tags:
        tags.append(tag)
    updated = updated.model_copy(update={"aftersale_status": status, "aftersale_updated_at": occurred, "tags": tags})
    target = policy["aftersale_to_ticket_status"].get(status.value)
    if target:
        updated = _move_to(updated, TicketStatus(target), reason=f"platform: {status.value}")
    elif status in (AftersaleStatus.APPLIED, AftersaleStatus.MODIFIED, AftersaleStatus.ARBITRATION) and (
        ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
    ):
        updated = _move_to(updated, TicketStatus.IN_PROGRESS, reason=f"platform: {status.value}")
    return updated


def _already_applied(ticket: Ticket, message: IntakeMessage) -> bool:
    delivery = message.external.message_id
    if not delivery:
        return False
    if any(m.message_id == delivery for m in ticket.messages):
        return True
    return any(h.detail.get("message_id") == delivery for h in ticket.history)


def _apply(ticket: Ticket, message: IntakeMessage, merged: bool) -> Ticket:
    updated = ticket
    if message.aftersale_status or message.event_type == "aftersale":
        updated = _apply_aftersale(updated, message)
    if message.text and message.event_type == "message":
        entry = _thread_entry(message, merged_from=message.channel if merged else None)
        updated = updated.model_copy(update={"messages": [*updated.messages, entry]})
        if merged:
            updated = updated.model_copy(
                update={
                    "history": [
                        *updated.history,
                        HistoryEntry(
                            action="merged",
                            detail={
                                "from_channel": message.channel.value,
                                "external_id": message.external_id,
                                "message_id": message.external.message_id,
                            },
                        ),
                    ]
                }
            )
        if updated.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            updated = updated.transition(TicketStatus.IN_PROGRESS, actor="customer", reason="customer wrote again")
    if ticket.incomplete and not message.needs_enrichment and message.customer.name:
        updated = updated.model_copy(
            update={"incomplete": False, "customer": message.customer, "items": message.items or updated.items}
        )
    return updated


def _merge_target(message: IntakeMessage, repository: TicketRepository) -> Ticket | None:
    """The customer's open ticket about the same order, opened within the merge window."""
    if message.event_type != "message":
        return None
    window = timedelta(hours=load_policy("intake")["merge_window_h"])
    since = message.received_at - window
    if message.order_id:
        candidates = repository.query(TicketQuery(order_id=message.order_id, limit=20)).items
    else:
        candidates = repository.query(TicketQuery(customer_id=message.customer.id, limit=20)).items
    for ticket in candidates:
        same_customer = ticket.customer.id == message.customer.id or (
            bool(message.customer.phone) and ticket.customer.phone == message.customer.phone
        )
        recent_and_open = ticket.is_open and ticket.created_at >= since and ticket.id != message.ticket_id
        if same_customer and recent_and_open and (message.order_id or ticket.channel == message.channel):
            return ticket
    return None


def _enrich(message: IntakeMessage, gateways: GatewayLookup) -> tuple[IntakeMessage, bool]:
    """Complete a notification-only push; on failure keep it and mark the ticket incomplete."""
    if not message.needs_enrichment:
        return message, False
    gateway = gateways(message.channel.value, message.external.shop_id or "default")
    if gateway is None:
        return message, True
    try:
        enriched = gateway.fetch_details(message)
    except Exception as exc:  # any platform failure must not lose the message
        logger.warning("enrichment failed; ticket kept incomplete", extra={"error": str(exc)})
        return message, True
    return enriched.model_copy(update={"needs_enrichment": False}), False


def _update_with_retry(
    repository: TicketRepository, ticket_id: str, change: Callable[[Ticket], Ticket | None]
) -> Ticket:
    attempts = int(load_policy("intake")["max_update_attempts"])
    for _ in range(attempts):
        current = repository.get(ticket_id)
        changed = change(current)
        if changed is None:
            return current
        try:
            return repository.update(changed)
        except ConcurrentUpdate:
            continue
    raise ConcurrentUpdate(f"ticket {ticket_id} kept changing; will retry", ticket_id=ticket_id)


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
        "incomplete": ticket.incomplete,
        "order_id": ticket.order_id,
        "customer_id": ticket.customer.id,
        "created_at": ticket.created_at.isoformat(),
    }


def updated_event(ticket: Ticket, reason: str) -> dict[str, object]:
    return {
        "event_id": f"{TICKET_UPDATED}:{ticket.id}:{ticket.version}",
        "ticket_id": ticket.id,
        "status": ticket.status.value,
        "aftersale_status": ticket.aftersale_status.value if ticket.aftersale_status else None,
        "version": ticket.version,
        "reason": reason,
    }


def triage(
    message: IntakeMessage,
    repository: TicketRepository,
    publisher: EventPublisher,
    classify: TextClassifier,
    gateways: GatewayLookup = _no_gateways,
    now: datetime | None = None,
) -> Ticket | None:
    """Returns the ticket the message landed on (None for unknown platform events)."""
    if message.event_type == "unknown":
        delivery = message.external.message_id or message.external_id
        publisher.publish(
            UNKNOWN_EVENT,
            {
                "event_id": f"{UNKNOWN_EVENT}:{message.channel.value}:{delivery}",
                "channel": message.channel.value,
                "platform_event": message.platform_event,
                "external_id": message.external_id,
                "raw": (message.raw or "")[:60_000],  # EventBridge caps an event at 256 KB
                "received_at": (now or utcnow()).isoformat(),
            },
        )
        return None

    message, incomplete = _enrich(message, gateways)

    try:
        existing: Ticket | None = repository.get(message.ticket_id)
    except NotFound:
        existing = None
    if existing is None:
        target = _merge_target(message, repository)
        if target is not None:
            ticket = _update_with_retry(
                repository,
                target.id,
                lambda t: None if _already_applied(t, message) else _apply(t, message, merged=True),
            )
            repository.add_alias(message.ticket_id, ticket.id)
            publisher.publish(TICKET_UPDATED, updated_event(ticket, f"merged from {message.channel.value}"))
            return ticket
        try:
            ticket = repository.create(build_ticket(message, classify, incomplete=incomplete))
        except AlreadyExists:
            existing = repository.get(message.ticket_id)
        else:
            publisher.publish(TICKET_CREATED, created_event(ticket))
            return ticket

    ticket = _update_with_retry(
        repository,
        existing.id,
        lambda t: None if _already_applied(t, message) else _apply(t, message, merged=False),
    )
    if ticket.version == 1 and ticket.history[0].action == "created":
        # Redelivery of the creating message: re-announce (consumers de-duplicate on event_id).
        publisher.publish(TICKET_CREATED, created_event(ticket))
    else:
        publisher.publish(TICKET_UPDATED, updated_event(ticket, message.platform_event or message.event_type))
    return ticket


# -- retrying enrichment -------------------------------------------------------------------
#: statuses swept for incomplete tickets (a closed ticket is left as it is)
SWEPT_STATUSES = (
    TicketStatus.NEW,
    TicketStatus.TRIAGED,
    TicketStatus.ASSIGNED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.WAITING_CUSTOMER,
    TicketStatus.RESOLVED,
)


def complete(ticket: Ticket, gateways: GatewayLookup, classify: TextClassifier) -> Ticket | None:
    """Fetch the platform details an incomplete ticket still lacks; ``None`` while they stay unavailable.

    The platform call is a read, so retrying it is always safe. A ticket that had no text
    (a notification-only push) is classified once its text arrives.
    """
    if not ticket.incomplete:
        return None
    message = IntakeMessage(
        ticket_id=ticket.id,
        channel=ticket.channel,
        external_id=ticket.external_id,
        event_type="aftersale",
        needs_enrichment=True,
        customer=ticket.customer,
        order_id=ticket.order_id,
        order_amount_fen=ticket.order_amount_fen,
        items=ticket.items,
        subject=ticket.subject,
        text=ticket.text,
        external=ticket.external,
    )
    enriched, incomplete = _enrich(message, gateways)
    if incomplete:
        return None
    update: dict[str, Any] = {
        "incomplete": False,
        "customer": enriched.customer,
        "items": enriched.items or ticket.items,
        "order_id": ticket.order_id or enriched.order_id,
        "order_amount_fen": ticket.order_amount_fen or enriched.order_amount_fen,
    }
    history = [*ticket.history, HistoryEntry(action="enriched", detail={"retried": True})]
    if enriched.text and not ticket.text:
        result = classify(enriched.text)
        update.update(text=enriched.text, **_classification_fields(result))
        history.append(_classified_entry(result, utcnow()))
    update["history"] = history
    return ticket.model_copy(update=update)


@dataclass
class SweepResult:
    scanned: int = 0
    incomplete: int = 0
    completed: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("scanned", "incomplete", "completed", "failed")}


def retry_enrichment(
    repository: TicketRepository,
    publisher: EventPublisher,
    classify: TextClassifier,
    gateways: GatewayLookup,
    max_scanned: int = 1000,
) -> SweepResult:
    """Sweep open tickets for ones still marked incomplete and try their platform details again."""
    result = SweepResult()
    for status in SWEPT_STATUSES:
        cursor: str | None = None
        while result.scanned < max_scanned:
            page = repository.query(TicketQuery(status=status, limit=100, cursor=cursor))
            for found in page.items:
                result.scanned += 1
                if not found.incomplete:
                    continue
                result.incomplete += 1
                try:
                    ticket = _update_with_retry(repository, found.id, lambda t: complete(t, gateways, classify))
                except ConcurrentUpdate:
                    result.failed += 1
                    continue
                if ticket.incomplete:
                    result.failed += 1
                    continue
                result.completed += 1
                publisher.publish(TICKET_UPDATED, updated_event(ticket, "enriched"))
            cursor = page.next_cursor
            if not cursor:
                break
    return result
