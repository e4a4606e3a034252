from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aftersales.intake.message import IntakeMessage
from aftersales.models import (
    AftersaleStatus,
    Channel,
    Customer,
    ExternalRefs,
    TicketStatus,
    ticket_id_for,
)
from aftersales.ports import PlatformGateway
from aftersales.taxonomy import Category
from aftersales.triage import Classification, triage
from fakes import InMemoryTicketRepository, RecordingPublisher

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def classify(text: str) -> Classification:
    return Classification(category=Category.ITEM_DAMAGED, confidence=0.9, language="zh")


def web_message(
    external_id: str = "m1",
    order: str | None = "O-1",
    customer: str = "c1",
    channel: Channel = Channel.WEB,
    text: str = "杯子碎了",
    at: datetime = T0,
) -> IntakeMessage:
    return IntakeMessage(
        ticket_id=ticket_id_for(channel.value, external_id),
        channel=channel,
        external_id=external_id,
        customer=Customer(id=customer),
        order_id=order,
        text=text,
        received_at=at,
        external=ExternalRefs(message_id=external_id),
    )


def aftersale(status: AftersaleStatus, msg_id: str, occurred: datetime, tag: str = "200") -> IntakeMessage:
    return IntakeMessage(
        ticket_id=ticket_id_for("douyin", "AS-1"),
        channel=Channel.DOUYIN,
        external_id="AS-1",
        event_type="aftersale",
        platform_event=tag,
        aftersale_status=status,
        occurred_at=occurred,
        customer=Customer(id="buyer"),
        order_id="P-1",
        received_at=occurred,
        external=ExternalRefs(message_id=msg_id, aftersale_id="AS-1"),
    )


@pytest.fixture
def repo() -> InMemoryTicketRepository:
    return InMemoryTicketRepository()


@pytest.fixture
def bus() -> RecordingPublisher:
    return RecordingPublisher()


def test_first_message_opens_a_classified_triaged_ticket_with_sla(repo: Any, bus: Any) -> None:
    ticket = triage(web_message(), repo, bus, classify)
    assert ticket is not None
    assert ticket.status is TicketStatus.TRIAGED and ticket.category is Category.ITEM_DAMAGED
    assert ticket.sla.escalate_at == T0 + timedelta(hours=24)
    assert [e[0] for e in bus.events] == ["TicketCreated"]
    assert ticket.messages[0].text == "杯子碎了"


def test_redelivery_is_idempotent(repo: Any, bus: Any) -> None:
    triage(web_message(), repo, bus, classify)
    again = triage(web_message(), repo, bus, classify)
    assert again is not None and again.version == 1 and len(again.messages) == 1
    assert {e[1]["event_id"] for e in bus.events} == {f"TicketCreated:{again.id}"}


def test_refund_lifecycle_updates_one_ticket(repo: Any, bus: Any) -> None:
    triage(aftersale(AftersaleStatus.APPLIED, "m-200", T0), repo, bus, classify)
    ticket = triage(
        aftersale(AftersaleStatus.REFUND_SUCCEEDED, "m-206", T0 + timedelta(hours=1), "206"), repo, bus, classify
    )
    assert ticket is not None and len(repo.tickets) == 1
    assert ticket.aftersale_status is AftersaleStatus.REFUND_SUCCEEDED
    assert ticket.status is TicketStatus.RESOLVED
    closed = triage(aftersale(AftersaleStatus.CLOSED, "m-207", T0 + timedelta(hours=2), "207"), repo, bus, classify)
    assert closed is not None and closed.status is TicketStatus.CLOSED


def test_out_of_order_events_keep_the_newest_status_but_stay_on_the_timeline(repo: Any, bus: Any) -> None:
    triage(aftersale(AftersaleStatus.REFUND_SUCCEEDED, "m-206", T0 + timedelta(hours=1), "206"), repo, bus, classify)
    ticket = triage(aftersale(AftersaleStatus.APPLIED, "m-200", T0), repo, bus, classify)
    assert ticket is not None
    assert ticket.aftersale_status is AftersaleStatus.REFUND_SUCCEEDED
    assert any(h.detail.get("platform_event") == "200" for h in ticket.history)


def test_a_duplicate_platform_event_is_applied_once(repo: Any, bus: Any) -> None:
    triage(aftersale(AftersaleStatus.APPLIED, "m-200", T0), repo, bus, classify)
    first = triage(aftersale(AftersaleStatus.REFUND_AGREED, "m-201", T0 + timedelta(minutes=5)), repo, bus, classify)
    second = triage(aftersale(AftersaleStatus.REFUND_AGREED, "m-201", T0 + timedelta(minutes=5)), repo, bus, classify)
    assert first is not None and second is not None and first.version == second.version


def test_same_customer_same_order_on_a_second_channel_joins_the_open_ticket(repo: Any, bus: Any) -> None:
    original = triage(web_message(), repo, bus, classify)
    merged = triage(
        web_message("wx-9", channel=Channel.WECHAT, text="我在微信也说一下，杯子碎了", at=T0 + timedelta(hours=2)),
        repo,
        bus,
        classify,
    )
    assert original is not None and merged is not None
    assert merged.id == original.id and len(repo.tickets) == 1
    assert merged.messages[-1].merged_from is Channel.WECHAT
    # The id the second channel was promised resolves to the merged ticket.
    assert repo.get(ticket_id_for("wechat", "wx-9")).id == original.id
    # And a redelivery does not append twice.
    again = triage(
        web_message("wx-9", channel=Channel.WECHAT, text="我在微信也说一下，杯子碎了", at=T0 + timedelta(hours=2)),
        repo,
        bus,
        classify,
    )
    assert again is not None and len(again.messages) == 2


def test_no_merge_outside_the_window_or_for_another_order(repo: Any, bus: Any) -> None:
    triage(web_message(), repo, bus, classify)
    triage(web_message("wx-1", channel=Channel.WECHAT, at=T0 + timedelta(days=4)), repo, bus, classify)
    triage(web_message("wx-2", channel=Channel.WECHAT, order="O-2"), repo, bus, classify)
    assert len(repo.tickets) == 3


def test_unknown_events_are_kept_not_ticketed(repo: Any, bus: Any) -> None:
    msg = web_message().model_copy(update={"event_type": "unknown", "raw": '{"tag":"999"}', "text": ""})
    assert triage(msg, repo, bus, classify) is None
    assert bus.events[0][0] == "UnknownPlatformEvent" and bus.events[0][1]["raw"] == '{"tag":"999"}'
    assert repo.tickets == {}


class FailingGateway(PlatformGateway):
    channel = "douyin"

    def fetch_details(self, message: IntakeMessage) -> IntakeMessage:
        raise TimeoutError("platform down")


class WorkingGateway(PlatformGateway):
    channel = "douyin"

    def fetch_details(self, message: IntakeMessage) -> IntakeMessage:
        return message.model_copy(update={"customer": Customer(id="buyer-7", name="王五"), "text": "买家说：破了"})


def test_enrichment_failure_keeps_the_ticket_incomplete(repo: Any, bus: Any) -> None:
    msg = aftersale(AftersaleStatus.APPLIED, "m-200", T0).model_copy(update={"needs_enrichment": True})
    ticket = triage(msg, repo, bus, classify, gateways=lambda c, s: FailingGateway())
    assert ticket is not None and ticket.incomplete


def test_enrichment_completes_the_ticket(repo: Any, bus: Any) -> None:
    msg = aftersale(AftersaleStatus.APPLIED, "m-200", T0).model_copy(update={"needs_enrichment": True})
    ticket = triage(msg, repo, bus, classify, gateways=lambda c, s: WorkingGateway())
    assert ticket is not None and not ticket.incomplete and ticket.customer.name == "王五"


def test_the_sweep_completes_incomplete_tickets_once_the_platform_answers(repo: Any, bus: Any) -> None:
    from aftersales.triage import retry_enrichment

    msg = aftersale(AftersaleStatus.APPLIED, "m-200", T0).model_copy(update={"needs_enrichment": True})
    first = triage(msg, repo, bus, classify, gateways=lambda c, s: FailingGateway())
    assert first is not None and first.incomplete and first.text == ""
    triage(web_message("m9", order="O-9"), repo, bus, classify)  # a complete ticket is left alone

    down = retry_enrichment(repo, bus, classify, lambda c, s: FailingGateway())
    assert down.as_dict() == {"scanned": 2, "incomplete": 1, "completed": 0, "failed": 1}
    assert repo.get(first.id).incomplete

    calls: list[str] = []

    def classify_once(text: str) -> Classification:
        calls.append(text)
        return Classification(category=Category.ITEM_DAMAGED, confidence=0.8, language="zh", details={"m": 1})

    up = retry_enrichment(repo, bus, classify_once, lambda c, s: WorkingGateway())
    assert up.completed == 1 and calls == ["买家说：破了"]
    done = repo.get(first.id)
    assert not done.incomplete and done.customer.name == "王五" and done.text == "买家说：破了"
    assert done.category is Category.ITEM_DAMAGED and done.version == first.version + 1
    assert [h.action for h in done.history][-2:] == ["enriched", "classified"]
    assert bus.events[-1][0] == "TicketUpdated" and bus.events[-1][1]["reason"] == "enriched"
    assert retry_enrichment(repo, bus, classify_once, lambda c, s: WorkingGateway()).incomplete == 0
