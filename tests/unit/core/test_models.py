from __future__ import annotations

import pytest

from aftersales.errors import IllegalTransition
from aftersales.models import Channel, Customer, Ticket, TicketStatus, ticket_id_for, yuan_to_fen


def _ticket(status: TicketStatus = TicketStatus.NEW) -> Ticket:
    return Ticket(id="T-1", channel=Channel.WEB, external_id="e", customer=Customer(id="c"), status=status)


def test_happy_path_through_the_state_machine() -> None:
    t = _ticket()
    for to in (
        TicketStatus.TRIAGED,
        TicketStatus.ASSIGNED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.WAITING_CUSTOMER,
        TicketStatus.RESOLVED,
        TicketStatus.CLOSED,
    ):
        t = t.transition(to, actor="agent:1")
    assert t.status is TicketStatus.CLOSED
    assert [h.detail["to"] for h in t.history] == [
        "triaged",
        "assigned",
        "in_progress",
        "waiting_customer",
        "resolved",
        "closed",
    ]


def test_reopen_is_recorded_as_such() -> None:
    t = _ticket(TicketStatus.RESOLVED).transition(TicketStatus.IN_PROGRESS)
    assert t.history[-1].action == "reopened"


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (TicketStatus.NEW, TicketStatus.RESOLVED),
        (TicketStatus.NEW, TicketStatus.ASSIGNED),
        (TicketStatus.CLOSED, TicketStatus.NEW),
        (TicketStatus.RESOLVED, TicketStatus.TRIAGED),
    ],
)
def test_illegal_transitions_are_rejected_with_a_clear_error(start: TicketStatus, to: TicketStatus) -> None:
    with pytest.raises(IllegalTransition) as err:
        _ticket(start).transition(to)
    body = err.value.to_dict()
    assert body["error"] == "illegal_transition"
    assert body["details"]["current"] == start.value
    assert to.value not in body["details"]["allowed"]


def test_ticket_ids_are_deterministic_per_channel_and_external_id() -> None:
    assert ticket_id_for("web", "x") == ticket_id_for("web", "x")
    assert ticket_id_for("web", "x") != ticket_id_for("douyin", "x")


@pytest.mark.parametrize(("value", "fen"), [("1.00", 100), ("19.9", 1990), (0, 0), ("0.015", 2)])
def test_yuan_to_fen(value: str, fen: int) -> None:
    assert yuan_to_fen(value) == fen
