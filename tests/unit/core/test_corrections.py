from __future__ import annotations

import pytest

from aftersales.errors import ConcurrentUpdate
from aftersales.models import Channel, Customer, Ticket
from aftersales.taxonomy import Category
from aftersales.tickets import correct_category
from fakes import InMemoryCorrections, InMemoryTicketRepository, RecordingPublisher


def test_a_correction_changes_the_ticket_and_becomes_a_training_example() -> None:
    repo, corrections, bus = InMemoryTicketRepository(), InMemoryCorrections(), RecordingPublisher()
    repo.create(
        Ticket(
            id="T-1",
            channel=Channel.WEB,
            external_id="e",
            customer=Customer(id="c"),
            text="箱子压扁了，里面的杯子没事",
            category=Category.ITEM_DAMAGED,
            needs_review=True,
        )
    )
    updated = correct_category(repo, corrections, bus, "T-1", Category.PACKAGING_DAMAGED, actor="agent:7")
    assert updated.category is Category.PACKAGING_DAMAGED and not updated.needs_review and updated.version == 2
    assert updated.history[-1].action == "category_corrected"
    [example] = corrections.list_all()
    assert example.category is Category.PACKAGING_DAMAGED and example.predicted is Category.ITEM_DAMAGED
    assert example.text == "箱子压扁了，里面的杯子没事" and example.corrected_by == "agent:7"
    assert bus.events[-1][1]["previous_category"] == "item_damaged"


def test_a_stale_correction_is_rejected_and_stores_nothing() -> None:
    repo, corrections, bus = InMemoryTicketRepository(), InMemoryCorrections(), RecordingPublisher()
    repo.create(Ticket(id="T-1", channel=Channel.WEB, external_id="e", customer=Customer(id="c"), text="x"))
    with pytest.raises(ConcurrentUpdate):
        correct_category(repo, corrections, bus, "T-1", Category.REFUND, actor="a", expected_version=7)
    assert corrections.list_all() == []
