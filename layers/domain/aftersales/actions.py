"""Agent actions that go back to the customer's platform: reply, agree return/refund, refuse.

Each action has an idempotency key (by default one per ticket and action, or per reply text),
passed to the platform client, which performs the operation at most once per key. The ticket
records the outcome with a conditional write, once, however often the request is retried.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from aftersales.errors import ConcurrentUpdate, DomainError, ValidationFailed
from aftersales.models import HistoryEntry, Ticket, TicketMessage, utcnow
from aftersales.ports import EventPublisher, PlatformGateway, TicketRepository

ACTION_PERFORMED = "TicketActionPerformed"
MAX_ATTEMPTS = 5


class Action(StrEnum):
    REPLY = "reply"
    AGREE_RETURN = "agree_return"
    AGREE_REFUND = "agree_refund"
    REFUSE = "refuse"


class ActionNotSupported(DomainError):
    code = "action_not_supported"
    http_status = 409


class PlatformFailed(DomainError):
    code = "platform_error"
    http_status = 502


def default_key(ticket_id: str, action: Action, text: str | None) -> str:
    if action is Action.REPLY:
        digest = hashlib.sha256((text or "").encode()).hexdigest()[:16]
        return f"{ticket_id}:reply:{digest}"
    return f"{ticket_id}:{action.value}"


def _already_recorded(ticket: Ticket, key: str) -> bool:
    return any(h.action == "action_performed" and h.detail.get("idempotency_key") == key for h in ticket.history)


def perform_action(
    repository: TicketRepository,
    publisher: EventPublisher,
    gateways: Callable[[str, str], PlatformGateway | None],
    ticket_id: str,
    action: Action,
    actor: str,
    text: str | None = None,
    return_address: str | None = None,
    reason: str | None = None,
    idempotency_key: str | None = None,
) -> Ticket:
    if action is Action.REPLY and not (text and text.strip()):
        raise ValidationFailed("a reply needs text")
    if action is Action.AGREE_RETURN and not (return_address and return_address.strip()):
        raise ValidationFailed("agreeing to a return needs return_address")
    if action is Action.REFUSE and not (reason and reason.strip()):
        raise ValidationFailed("refusing needs a reason")

    ticket = repository.get(ticket_id)
    key = idempotency_key or default_key(ticket.id, action, text)
    gateway = gateways(ticket.channel.value, ticket.external.shop_id or "default")
    if gateway is None:
        raise ActionNotSupported(f"channel {ticket.channel.value} has no platform client for {action.value}")
    try:
        if action is Action.REPLY:
            result = gateway.send_reply(ticket, text or "", key)
        elif action is Action.AGREE_RETURN:
            result = gateway.agree_return(ticket, return_address or "", key)
        elif action is Action.AGREE_REFUND:
            result = gateway.agree_refund(ticket, key)
        else:
            result = gateway.refuse(ticket, reason or "", key)
    except NotImplementedError as exc:
        raise ActionNotSupported(str(exc)) from None
    except DomainError:
        raise
    except Exception as exc:  # platform down or refusing: the agent can retry with the same key
        raise PlatformFailed(f"{ticket.channel.value} did not accept {action.value}: {exc}") from None

    updated = _record(repository, ticket_id, action, actor, key, text, result)
    publisher.publish(
        ACTION_PERFORMED,
        {
            "event_id": f"{ACTION_PERFORMED}:{key}",
            "ticket_id": updated.id,
            "action": action.value,
            "channel": updated.channel.value,
            "actor": actor,
        },
    )
    return updated


def _record(
    repository: TicketRepository,
    ticket_id: str,
    action: Action,
    actor: str,
    key: str,
    text: str | None,
    result: dict[str, Any] | None,
) -> Ticket:
    for _ in range(MAX_ATTEMPTS):
        current = repository.get(ticket_id)
        if _already_recorded(current, key):
            return current
        now = utcnow()
        history = [
            *current.history,
            HistoryEntry(
                at=now,
                actor=actor,
                action="action_performed",
                detail={"action": action.value, "idempotency_key": key, "result": result or {}},
            ),
        ]
        messages = current.messages
        if action is Action.REPLY:
            messages = [
                *messages,
                TicketMessage(at=now, direction="outbound", channel=current.channel, author=actor, text=text or ""),
            ]
        try:
            return repository.update(current.model_copy(update={"history": history, "messages": messages}))
        except ConcurrentUpdate:
            continue
    raise ConcurrentUpdate(f"ticket {ticket_id} kept changing; retry the action with the same key")
