"""淘宝 TMC: TOP signing vectors, topic mapping, and the consume → enqueue → confirm loop."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from aftersales.channels import taobao
from aftersales.intake.message import IntakeMessage
from aftersales.models import AftersaleStatus
from aftersales.ports import IntakeQueue
from fakes import ListQueue


def _msg(topic: str, msg_id: int = 1, **content: Any) -> dict[str, Any]:
    body = {
        "buyer_nick": "c**",
        "buyer_open_uid": "AAH8x9",
        "refund_fee": "19.90",
        "modified": "2022-09-29 14:17:15",
        "bill_type": "refund_bill",
        "oid": 3001,
        "seller_nick": "小店",
        "refund_id": 2001,
        "tid": 1001,
        **content,
    }
    return {
        "id": msg_id,
        "topic": topic,
        "pub_app_key": "12345",
        "pub_time": "2022-09-29 14:17:16",
        "user_id": 42,
        "user_nick": "小店",
        "content": json.dumps(body, ensure_ascii=False),
    }


def test_top_sign_matches_the_documented_recipe() -> None:
    params = {"method": "taobao.tmc.messages.consume", "app_key": "k", "v": "2.0", "timestamp": "2022-01-01 00:00:00"}
    expected = (
        hashlib.md5(b"sapp_keykmethodtaobao.tmc.messages.consumetimestamp2022-01-01 00:00:00v2.0s").hexdigest().upper()
    )
    assert taobao.top_sign(params, "s") == expected
    assert taobao.top_sign({**params, "sign": "IGNORED"}, "s") == expected


def test_top_sign_known_vector() -> None:
    # Computed independently: md5("dev-secret" + "app_keydev-app-key" + "formatjson" + "dev-secret").
    assert taobao.top_sign({"format": "json", "app_key": "dev-app-key"}, "dev-secret") == (
        hashlib.md5(b"dev-secretapp_keydev-app-keyformatjsondev-secret").hexdigest().upper()
    )


def test_signed_params_use_beijing_time_and_system_params() -> None:
    params = taobao.signed_params(
        "taobao.tmc.messages.consume",
        "dev-app-key",
        "dev-secret",
        {"group_name": "default", "quantity": "50"},
        session="sess",
        now=datetime(2024, 1, 1, 16, 30, tzinfo=UTC),
    )
    assert params["timestamp"] == "2024-01-02 00:30:00"
    assert params["format"] == "json" and params["v"] == "2.0" and params["sign_method"] == "md5"
    assert params["session"] == "sess" and params["quantity"] == "50"
    assert params["sign"] == taobao.top_sign(params, "dev-secret")


@pytest.mark.parametrize(
    ("topic", "bill_type", "status"),
    [
        ("taobao_refund_RefundCreated", "refund_bill", AftersaleStatus.APPLIED),
        ("taobao_refund_RefundSellerAgreeAgreement", "refund_bill", AftersaleStatus.REFUND_AGREED),
        ("taobao_refund_RefundSellerAgreeAgreement", "return_bill", AftersaleStatus.RETURN_AGREED),
        ("taobao_refund_RefundSellerRefuseAgreement", "refund_bill", AftersaleStatus.REFUND_REFUSED),
        ("taobao_refund_RefundBuyerReturnGoods", "return_bill", AftersaleStatus.BUYER_RETURNED),
        ("taobao_refund_RefundClosed", "refund_bill", AftersaleStatus.CLOSED),
        ("taobao_refund_RefundSuccess", "refund_bill", AftersaleStatus.REFUND_SUCCEEDED),
    ],
)
def test_topics_map_to_statuses(topic: str, bill_type: str, status: AftersaleStatus) -> None:
    intake = taobao.to_intake(_msg(topic, bill_type=bill_type), shop="default")
    assert intake.event_type == "aftersale"
    assert intake.aftersale_status == status
    assert intake.external_id == "2001"  # the refund, so every event lands on one ticket
    assert intake.external.message_id == "1"
    assert intake.order_id == "1001"
    assert intake.order_amount_fen == 1990
    assert intake.customer.id == "taobao:AAH8x9" and intake.customer.name == "c**"
    assert intake.occurred_at is not None and intake.occurred_at.utcoffset() is not None


def test_all_events_of_one_refund_share_a_ticket() -> None:
    a = taobao.to_intake(_msg("taobao_refund_RefundCreated", 1))
    b = taobao.to_intake(_msg("taobao_refund_RefundSuccess", 2))
    assert a.ticket_id == b.ticket_id


@pytest.mark.parametrize(
    "message",
    [
        {"id": 9, "topic": "taobao_trade_TradeCreate", "content": "{}"},
        {"id": 9, "topic": "taobao_refund_RefundCreated", "content": "not json"},
        {"id": 9, "topic": "taobao_refund_RefundCreated", "content": "[1]"},
        {"id": 9, "topic": "taobao_refund_RefundCreated", "content": json.dumps({"tid": 1})},
        {"topic": "taobao_refund_RefundCreated"},
    ],
)
def test_bad_or_unknown_messages_become_unknown_with_raw_kept(message: dict[str, Any]) -> None:
    intake = taobao.to_intake(message)
    assert intake.event_type == "unknown"
    assert intake.raw and json.loads(intake.raw) == message


class FakeTmc(taobao.TmcClient):
    def __init__(self, batches: list[list[dict[str, Any]]]) -> None:
        self.batches = batches
        self.calls: list[tuple[str, Any]] = []

    def consume(self, quantity: int) -> list[dict[str, Any]]:
        self.calls.append(("consume", quantity))
        return self.batches.pop(0) if self.batches else []

    def confirm(self, message_ids: list[str]) -> None:
        self.calls.append(("confirm", list(message_ids)))


class FlakyQueue(IntakeQueue):
    def __init__(self, fail_ids: set[str]) -> None:
        self.fail_ids = fail_ids
        self.sent: list[str] = []

    def send(self, body: str, dedup_id: str) -> None:
        if dedup_id in self.fail_ids:
            raise RuntimeError("SQS down")
        self.sent.append(dedup_id)


def test_poll_confirms_only_after_enqueue() -> None:
    tmc = FakeTmc([[_msg("taobao_refund_RefundCreated", 1), _msg("taobao_refund_RefundClosed", 2)]])
    queue = ListQueue()

    class Watching(ListQueue):
        def send(self, body: str, dedup_id: str) -> None:
            assert not any(c[0] == "confirm" for c in tmc.calls), "confirmed before enqueue"
            queue.send(body, dedup_id)

    result = taobao.poll(tmc, Watching(), quantity=50)
    assert [d for _, d in queue.messages] == ["taobao:1", "taobao:2"]
    assert tmc.calls == [("consume", 50), ("confirm", ["1", "2"])]
    assert result.enqueued == 2 and result.confirmed == ["1", "2"]
    assert IntakeMessage.model_validate_json(queue.messages[0][0]).aftersale_status == AftersaleStatus.APPLIED


def test_failed_enqueue_is_not_confirmed_and_stops_the_loop() -> None:
    full_batch = [_msg("taobao_refund_RefundCreated", i, refund_id=100 + i) for i in range(1, 11)]
    tmc = FakeTmc([full_batch, [_msg("taobao_refund_RefundCreated", 99)]])
    queue = FlakyQueue({"taobao:3"})
    result = taobao.poll(tmc, queue, quantity=10)
    assert result.failed == ["3"]
    assert "3" not in result.confirmed and len(result.confirmed) == 9
    assert [c for c in tmc.calls if c[0] == "consume"] == [("consume", 10)]  # no second batch after a failure


def test_unknown_messages_are_enqueued_and_confirmed() -> None:
    tmc = FakeTmc([[{"id": 5, "topic": "taobao_trade_TradeCreate", "content": "{}"}]])
    queue = ListQueue()
    result = taobao.poll(tmc, queue)
    assert result.unknown == 1 and result.confirmed == ["5"]
    assert json.loads(queue.messages[0][0])["event_type"] == "unknown"


def test_poll_keeps_going_while_batches_are_full_and_time_remains() -> None:
    full = [_msg("taobao_refund_RefundCreated", i) for i in range(10)]
    tmc = FakeTmc([full, full[:3]])
    result = taobao.poll(tmc, ListQueue(), quantity=5)  # clamped to the TMC minimum of 10
    assert result.batches == 2 and result.consumed == 13
    left = iter([10.0, 1.0])
    tmc2 = FakeTmc([full, full])
    assert taobao.poll(tmc2, ListQueue(), time_left_s=lambda: next(left)).batches == 1
