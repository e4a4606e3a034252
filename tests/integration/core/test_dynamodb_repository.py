from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aftersales.adapters.dynamodb_tickets import INDEXES, DynamoTicketRepository
from aftersales.errors import AlreadyExists, ConcurrentUpdate, NotFound
from aftersales.models import Channel, Customer, OrderItem, Ticket, TicketStatus
from aftersales.ports import TicketQuery
from infra.topology import TOPOLOGY


def _ticket(n: int, **kw: Any) -> Ticket:
    base: dict[str, Any] = {
        "id": f"T-{n}",
        "channel": Channel.WEB,
        "external_id": f"e{n}",
        "customer": Customer(id=kw.pop("customer", "c1"), name="张三"),
        "order_id": kw.pop("order_id", f"O-{n}"),
        "items": [OrderItem(sku="SKU-1", batch="B7", amount_fen=1999)],
        "created_at": datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=n),
        "status": TicketStatus.TRIAGED,
        "category_confidence": 0.875,
    }
    base.update(kw)
    return Ticket(**base)


pytestmark = pytest.mark.integration


def test_indexes_match_the_topology() -> None:
    assert {i.name: (i.partition_key, i.sort_key) for i in TOPOLOGY.ticket_indexes} == INDEXES


def test_round_trip_keeps_every_field(aws_env: dict[str, str]) -> None:
    repo = DynamoTicketRepository("tickets")
    stored = repo.create(_ticket(1))
    loaded = repo.get("T-1")
    assert loaded == stored and loaded.version == 1 and loaded.category_confidence == 0.875
    with pytest.raises(AlreadyExists):
        repo.create(_ticket(1))
    with pytest.raises(NotFound):
        repo.get("T-404")


def test_updates_are_conditional_on_the_version(aws_env: dict[str, str]) -> None:
    repo = DynamoTicketRepository("tickets")
    v1 = repo.create(_ticket(1))
    v2 = repo.update(v1.transition(TicketStatus.ASSIGNED))
    assert v2.version == 2
    with pytest.raises(ConcurrentUpdate) as err:
        repo.update(v1.transition(TicketStatus.RESOLVED))  # stale copy
    assert err.value.details["current_version"] == 2
    assert repo.get("T-1").status is TicketStatus.ASSIGNED


def test_access_patterns(aws_env: dict[str, str]) -> None:
    repo = DynamoTicketRepository("tickets")
    for n in range(1, 6):
        repo.create(_ticket(n, customer="c1" if n % 2 else "c2", team="logistics" if n < 3 else "quality"))
    assert [t.id for t in repo.query(TicketQuery(customer_id="c2")).items] == ["T-4", "T-2"]
    assert [t.id for t in repo.query(TicketQuery(order_id="O-3")).items] == ["T-3"]
    assert len(repo.query(TicketQuery(sku="SKU-1")).items) == 5
    assert {t.id for t in repo.query(TicketQuery(team="quality", status=TicketStatus.TRIAGED)).items} == {
        "T-3",
        "T-4",
        "T-5",
    }
    assert len(repo.query(TicketQuery(status=TicketStatus.TRIAGED)).items) == 5


def test_feed_pages_newest_first_across_months(aws_env: dict[str, str]) -> None:
    repo = DynamoTicketRepository("tickets")
    now = datetime.now(UTC)
    for n in range(5):
        repo.create(_ticket(n, created_at=now - timedelta(days=n * 20)))
    first = repo.query(TicketQuery(limit=2))
    assert [t.id for t in first.items] == ["T-0", "T-1"]
    ids = [t.id for t in first.items]
    cursor = first.next_cursor
    while cursor:
        page = repo.query(TicketQuery(limit=2, cursor=cursor))
        ids += [t.id for t in page.items]
        cursor = page.next_cursor
    assert ids == ["T-0", "T-1", "T-2", "T-3", "T-4"]


def test_aliases_resolve(aws_env: dict[str, str]) -> None:
    repo = DynamoTicketRepository("tickets")
    repo.create(_ticket(1))
    repo.add_alias("T-merged", "T-1")
    repo.add_alias("T-merged", "T-1")  # idempotent
    assert repo.get("T-merged").id == "T-1"
