"""京东: signing, step/expect mapping, and the high-water-mark poll loop on fakes."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from aftersales.channels import jd
from aftersales.errors import ConcurrentUpdate
from aftersales.models import AftersaleStatus
from aftersales.ports import IntakeQueue
from fakes import ListQueue


def _svc(afs_id: int, step: int, updated: int, expect: int = 10, **extra: Any) -> dict[str, Any]:
    return {
        "afsServiceId": afs_id,
        "orderId": 88001,
        "customerExpect": expect,
        "afsServiceStep": step,
        "updateTime": updated,
        "applyTime": 1_700_000_000_000,
        "customerPin": "jd_pin_1",
        "customerName": "王五",
        "skuId": 100012,
        "wareName": "电动牙刷",
        "questionDesc": "刷头坏了",
        **extra,
    }


def test_jd_sign_vector() -> None:
    params = {"method": "m", "app_key": "k", "timestamp": "2024-01-01 00:00:00", "v": "2.0", "sign": "x"}
    expected = hashlib.md5(b"sapp_keykmethodmtimestamp2024-01-01 00:00:00v2.0s").hexdigest().upper()
    assert jd.jd_sign(params, "s") == expected


def test_signed_params_carry_business_json() -> None:
    p = jd.signed_params("m", "k", "s", "tok", {"pageNumber": 1}, now=datetime(2024, 1, 1, tzinfo=UTC))
    assert p["timestamp"] == "2024-01-01 08:00:00" and p["access_token"] == "tok"
    assert json.loads(p["360buy_param_json"]) == {"pageNumber": 1}
    assert p["sign"] == jd.jd_sign(p, "s")


@pytest.mark.parametrize(
    ("step", "expect", "status"),
    [
        (10, 10, AftersaleStatus.APPLIED),
        (20, 10, AftersaleStatus.REFUND_REFUSED),
        (21, 10, None),
        (22, 20, None),
        (31, 10, AftersaleStatus.RETURN_AGREED),
        (33, 10, AftersaleStatus.BUYER_RETURNED),
        (40, 20, None),
        (50, 10, AftersaleStatus.REFUND_SUCCEEDED),
        (50, 20, AftersaleStatus.CLOSED),
        (50, 30, AftersaleStatus.CLOSED),
        (60, 10, AftersaleStatus.CLOSED),
    ],
)
def test_steps_map_to_statuses(step: int, expect: int, status: AftersaleStatus | None) -> None:
    intake = jd.to_intake(_svc(5001, step, 1_700_000_100_000, expect))
    assert intake.event_type == "aftersale" and intake.aftersale_status == status
    assert intake.external_id == "5001" and intake.order_id == "88001"
    assert intake.customer.id == "jd:jd_pin_1" and intake.items[0].sku == "100012"


def test_expect_is_carried_as_tag_material() -> None:
    intake = jd.to_intake(_svc(5001, 10, 1, expect=30))
    assert intake.platform_event == "afsServiceStep=10;customerExpect=repair"
    assert intake.subject == "京东售后：维修"


@pytest.mark.parametrize("service", [{"afsServiceStep": 10}, _svc(1, 99, 5)])
def test_unreadable_service_orders_become_unknown(service: dict[str, Any]) -> None:
    intake = jd.to_intake(service)
    assert intake.event_type == "unknown" and json.loads(intake.raw or "") == service


class FakeSource(jd.AfsSource):
    def __init__(self, services: list[dict[str, Any]]) -> None:
        self.services = services
        self.calls: list[tuple[int, int, int, int]] = []

    def list_updated(self, begin_ms: int, end_ms: int, page: int, page_size: int) -> list[dict[str, Any]]:
        self.calls.append((begin_ms, end_ms, page, page_size))
        hits = [s for s in self.services if begin_ms <= s["updateTime"] <= end_ms]
        return hits[(page - 1) * page_size : page * page_size]


class MemoryStore(jd.PollStateStore):
    def __init__(self) -> None:
        self.state = jd.PollState()

    def load(self, channel: str, shop: str) -> jd.PollState:
        return jd.PollState(self.state.updated_ms, list(self.state.ids_at), self.state.version)

    def save(self, channel: str, shop: str, state: jd.PollState) -> jd.PollState:
        if state.version != self.state.version:
            raise ConcurrentUpdate("lost race")
        self.state = jd.PollState(state.updated_ms, list(state.ids_at), state.version + 1)
        return self.state


def test_high_water_mark_advances_and_same_millisecond_ids_are_not_repeated() -> None:
    source = FakeSource([_svc(1, 10, 1000), _svc(2, 10, 2000), _svc(3, 10, 2000)])
    store, queue = MemoryStore(), ListQueue()
    r1 = jd.poll(source, queue, store, now_ms=5000, lookback_ms=5000)
    assert r1.enqueued == 3
    assert (store.state.updated_ms, store.state.ids_at, store.state.version) == (2000, ["2", "3"], 1)
    # A fourth order updated in the same millisecond as the mark, and order 1 moves on.
    source.services += [_svc(4, 10, 2000), _svc(1, 50, 4000)]
    r2 = jd.poll(source, queue, store, now_ms=6000)
    assert source.calls[-1][0] == 2000  # listed from the mark, inclusive
    assert r2.enqueued == 2 and r2.skipped == 2
    assert [json.loads(b)["external_id"] for b, _ in queue.messages] == ["1", "2", "3", "4", "1"]
    assert json.loads(queue.messages[-1][0])["aftersale_status"] == "refund_succeeded"
    assert (store.state.updated_ms, store.state.ids_at) == (4000, ["1"])
    # Nothing new: no enqueue, no write.
    assert jd.poll(source, queue, store, now_ms=7000).enqueued == 0 and store.state.version == 2


class FailOn(IntakeQueue):
    def __init__(self, bad: str) -> None:
        self.bad, self.sent = bad, []  # type: ignore[var-annotated]

    def send(self, body: str, dedup_id: str) -> None:
        if json.loads(body)["external_id"] == self.bad:
            raise RuntimeError("down")
        self.sent.append(dedup_id)


def test_failed_enqueue_keeps_the_mark_before_it() -> None:
    source = FakeSource([_svc(1, 10, 1000), _svc(2, 10, 2000), _svc(3, 10, 3000)])
    store = MemoryStore()
    r = jd.poll(source, FailOn("2"), store, now_ms=5000, lookback_ms=5000)
    assert r.failed and r.enqueued == 1 and store.state.updated_ms == 1000
    retry = ListQueue()
    jd.poll(source, retry, store, now_ms=6000)
    assert [json.loads(b)["external_id"] for b, _ in retry.messages] == ["2", "3"]


def test_overflowing_window_is_halved_not_skipped() -> None:
    source = FakeSource([_svc(i, 10, i * 100) for i in range(1, 30)])
    store, queue = MemoryStore(), ListQueue()
    r = jd.poll(source, queue, store, now_ms=100_000, lookback_ms=100_000, page_size=5, max_pages=2)
    assert not r.truncated and r.enqueued < 29
    while store.state.updated_ms < 2900:
        jd.poll(source, queue, store, now_ms=100_000, page_size=5, max_pages=2)
    assert sorted(int(json.loads(b)["external_id"]) for b, _ in queue.messages) == list(range(1, 30))


def test_concurrent_poller_loses_the_race() -> None:
    store = MemoryStore()
    store.state.version = 3

    class Stale(MemoryStore):
        def load(self, channel: str, shop: str) -> jd.PollState:
            return jd.PollState(0, [], 2)

        def save(self, channel: str, shop: str, state: jd.PollState) -> jd.PollState:
            return store.save(channel, shop, state)

    with pytest.raises(ConcurrentUpdate):
        jd.poll(FakeSource([_svc(1, 10, 1000)]), ListQueue(), Stale(), now_ms=2000, lookback_ms=2000)
