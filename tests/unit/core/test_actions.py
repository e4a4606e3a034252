from __future__ import annotations

from typing import Any

import pytest

from aftersales.actions import Action, ActionNotSupported, PlatformFailed, perform_action
from aftersales.errors import ValidationFailed
from aftersales.models import Channel, Customer, Ticket
from aftersales.ports import PlatformGateway
from fakes import InMemoryTicketRepository, RecordingPublisher


class CountingGateway(PlatformGateway):
    """Behaves like a platform client honouring idempotency keys."""

    channel = "douyin"

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}

    def agree_return(self, ticket: Ticket, return_address: str, idempotency_key: str) -> dict[str, Any]:
        self.calls[idempotency_key] = self.calls.get(idempotency_key, 0) + 1
        return {"ok": True}

    def send_reply(self, ticket: Ticket, text: str, idempotency_key: str) -> dict[str, Any]:
        self.calls[idempotency_key] = self.calls.get(idempotency_key, 0) + 1
        return {"ok": True}


class BrokenGateway(PlatformGateway):
    channel = "douyin"

    def agree_refund(self, ticket: Ticket, idempotency_key: str) -> dict[str, Any]:
        raise TimeoutError("down")


def _repo() -> InMemoryTicketRepository:
    repo = InMemoryTicketRepository()
    repo.create(Ticket(id="T-1", channel=Channel.DOUYIN, external_id="AS-1", customer=Customer(id="b")))
    return repo


def test_a_retried_approval_is_recorded_once_with_one_key() -> None:
    repo, bus, gw = _repo(), RecordingPublisher(), CountingGateway()
    for _ in range(3):
        ticket = perform_action(
            repo, bus, lambda c, s: gw, "T-1", Action.AGREE_RETURN, "agent:1", return_address="上海市 仓库 A"
        )
    assert list(gw.calls) == ["T-1:agree_return"]
    assert [h.action for h in ticket.history].count("action_performed") == 1


def test_replies_are_threaded_outbound() -> None:
    repo, bus, gw = _repo(), RecordingPublisher(), CountingGateway()
    ticket = perform_action(repo, bus, lambda c, s: gw, "T-1", Action.REPLY, "agent:1", text="您好，已为您补发")
    assert ticket.messages[-1].direction == "outbound" and ticket.messages[-1].text == "您好，已为您补发"


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [(Action.REPLY, {}), (Action.AGREE_RETURN, {}), (Action.REFUSE, {"reason": " "})],
)
def test_missing_inputs_are_400(action: Action, kwargs: dict[str, str]) -> None:
    with pytest.raises(ValidationFailed):
        perform_action(_repo(), RecordingPublisher(), lambda c, s: CountingGateway(), "T-1", action, "a", **kwargs)


def test_unsupported_and_failing_platforms_are_clear_errors() -> None:
    with pytest.raises(ActionNotSupported):
        perform_action(_repo(), RecordingPublisher(), lambda c, s: None, "T-1", Action.AGREE_REFUND, "a")
    with pytest.raises(ActionNotSupported):
        perform_action(_repo(), RecordingPublisher(), lambda c, s: CountingGateway(), "T-1", Action.AGREE_REFUND, "a")
    repo = _repo()
    with pytest.raises(PlatformFailed):
        perform_action(repo, RecordingPublisher(), lambda c, s: BrokenGateway(), "T-1", Action.AGREE_REFUND, "a")
    assert repo.get("T-1").version == 1  # nothing recorded
