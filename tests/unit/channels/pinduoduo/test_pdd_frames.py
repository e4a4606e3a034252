"""拼多多: WebSocket sign, frame mapping, and the enqueue-then-Ack loop on a fake socket."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from aftersales.channels import pinduoduo
from aftersales.models import AftersaleStatus
from aftersales.ports import IntakeQueue
from fakes import ListQueue


def _frame(frame_id: int, msg_type: str = "pdd_refund_RefundCreated", **content: Any) -> dict[str, Any]:
    body = {
        "mall_id": 10001,
        "refund_fee": 1990,
        "bill_type": 1,
        "modified": 1625637425016,
        "refund_id": 5550001,
        "operation": 1000,
        "tid": "210707-339507978993455",
        **content,
    }
    return {
        "id": frame_id,
        "commandType": "Common",
        "time": 1625637425100,
        "sendTime": 1625637425200,
        "message": {"type": msg_type, "mallID": 10001, "content": json.dumps(body)},
    }


def test_ws_sign_is_base64_of_the_md5_hex_string() -> None:
    hex_digest = hashlib.md5(b"cid1625637425016secret").hexdigest()
    assert pinduoduo.ws_sign("cid", 1625637425016, "secret") == base64.b64encode(hex_digest.encode()).decode()
    path = pinduoduo.ws_path("cid", 1625637425016, "secret")
    assert path.startswith("/message/cid/1625637425016/") and "=" not in path  # url-quoted


def test_common_frame_maps_to_an_aftersale_event() -> None:
    intake = pinduoduo.to_intake(_frame(1))
    assert intake.event_type == "aftersale" and intake.aftersale_status == AftersaleStatus.APPLIED
    assert intake.external_id == "5550001" and intake.external.message_id == "1"
    assert intake.order_id == "210707-339507978993455" and intake.order_amount_fen == 1990
    assert intake.external.shop_id == "default" and intake.occurred_at is not None


@pytest.mark.parametrize(
    ("msg_type", "bill_type", "status"),
    [
        ("pdd_refund_RefundAgreeAgreement", 1, AftersaleStatus.REFUND_AGREED),
        ("pdd_refund_RefundAgreeAgreement", 2, AftersaleStatus.RETURN_AGREED),
        ("pdd_refund_RefundClosed", 1, AftersaleStatus.CLOSED),
        ("pdd_refund_RefundBuyerModifyAgreement", 1, AftersaleStatus.MODIFIED),
        ("pdd_refund_RefundBuyerReturnGoods", 2, AftersaleStatus.BUYER_RETURNED),
        ("pdd_refund_RefundCreateMessage", 1, None),
    ],
)
def test_types_map(msg_type: str, bill_type: int, status: AftersaleStatus | None) -> None:
    intake = pinduoduo.to_intake(_frame(2, msg_type, bill_type=bill_type))
    assert intake.event_type == "aftersale" and intake.aftersale_status == status


@pytest.mark.parametrize(
    "frame",
    [
        _frame(3, "pdd_trade_TradeConfirmed"),
        {"id": 4, "commandType": "Common", "message": {"type": "pdd_refund_RefundCreated", "content": "{bad"}},
        {"id": 5, "commandType": "Common"},
    ],
)
def test_unreadable_frames_become_unknown(frame: dict[str, Any]) -> None:
    intake = pinduoduo.to_intake(frame)
    assert intake.event_type == "unknown" and json.loads(intake.raw or "") == frame


def test_ack_frame_shape() -> None:
    ack = json.loads(pinduoduo.ack_frame(_frame(7), at_ms=99))
    assert ack == {
        "commandType": "Ack",
        "time": 99,
        "id": 7,
        "sendTime": 1625637425200,
        "type": "pdd_refund_RefundCreated",
        "mallID": 10001,
    }


class FakeSocket(pinduoduo.FrameSocket):
    def __init__(self, incoming: list[str | None], log: list[str]) -> None:
        self.incoming, self.log = incoming, log

    def recv(self, timeout: float) -> str | None:
        if not self.incoming:
            raise pinduoduo.SocketClosed("done")
        return self.incoming.pop(0)

    def send(self, text: str) -> None:
        self.log.append("send:" + json.loads(text)["commandType"])


class LoggingQueue(IntakeQueue):
    def __init__(self, log: list[str], fail: set[str] | None = None) -> None:
        self.log, self.fail = log, fail or set()

    def send(self, body: str, dedup_id: str) -> None:
        if dedup_id in self.fail:
            raise RuntimeError("SQS down")
        self.log.append("enqueue:" + dedup_id)


def test_enqueue_happens_before_ack_and_failures_are_not_acked() -> None:
    log: list[str] = []
    frames = [
        json.dumps(_frame(1)),
        None,
        "not json",
        json.dumps({"commandType": "HeartBeat"}),
        json.dumps(_frame(2)),
        json.dumps(_frame(3, "pdd_x_Unknown")),
    ]
    result = pinduoduo.consume(FakeSocket(frames, log), LoggingQueue(log, {"pinduoduo:2"}), lambda: 30.0)
    assert log == ["send:HeartBeat", "enqueue:pinduoduo:1", "send:Ack", "enqueue:pinduoduo:3", "send:Ack"]
    assert (result.frames, result.enqueued, result.acked, result.failed, result.unknown) == (3, 2, 2, 1, 1)
    assert result.closed_by_server


def test_heartbeats_are_sent_on_schedule_and_time_limit_is_respected() -> None:
    log: list[str] = []
    ticks = iter(range(100))
    budget = iter([5.0] * 20 + [0.0])
    result = pinduoduo.consume(
        FakeSocket([None] * 50, log), ListQueue(), lambda: next(budget), heartbeat_s=3, clock=lambda: float(next(ticks))
    )
    assert not result.closed_by_server
    assert result.heartbeats >= 4 and log.count("send:HeartBeat") == result.heartbeats
