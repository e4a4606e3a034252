"""pdd_consumer end to end: simulator WebSocket → handler → SQS (moto); Ack only after enqueue."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from aftersales.adapters import aws
from local.simulator import Simulator

pytestmark = pytest.mark.integration


class Ctx:
    """A Lambda context whose budget ends ``seconds`` (plus the 10 s stop margin) from now."""

    function_name = "pdd_consumer"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:pdd_consumer"
    aws_request_id = "req-pdd"

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + 10 + seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - time.monotonic()) * 1000)


def _call(url: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


def _content(refund_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "mall_id": 10001,
        "refund_fee": 1990,
        "bill_type": 1,
        "modified": 1625637425016,
        "refund_id": refund_id,
        "operation": 1000,
        "tid": "210707-339507978993455",
        **extra,
    }


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    with mock_aws(), Simulator() as sim:
        aws.reset()
        queue_url = boto3.client("sqs").create_queue(QueueName="intake")["QueueUrl"]
        boto3.client("dynamodb").create_table(
            TableName="idem",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
        monkeypatch.setenv("INTAKE_QUEUE_URL", queue_url)
        monkeypatch.setenv("IDEMPOTENCY_TABLE", "idem")
        monkeypatch.setenv("AFTERSALES_SIMULATOR_URL", sim.base_url)
        monkeypatch.delenv("PDD_WS_BASE", raising=False)
        from functions.pdd_consumer import handler

        handler._settings.cache_clear()
        handler._queue.cache_clear()
        yield {"queue_url": queue_url, "sim": sim.base_url}
        handler._settings.cache_clear()
        handler._queue.cache_clear()
        aws.reset()


def _drain(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    out: list[dict[str, Any]] = []
    while got := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for m in got:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
    return out


def test_frames_are_enqueued_then_acked_within_the_time_budget(env: dict[str, str]) -> None:
    from functions.pdd_consumer.handler import lambda_handler

    seeded = _call(
        f"{env['sim']}/pinduoduo/_seed",
        {
            "messages": [
                {"type": "pdd_refund_RefundCreated", "content": _content(1)},
                {"type": "pdd_refund_RefundAgreeAgreement", "content": _content(1, bill_type=2)},
                {"type": "pdd_trade_TradeModified", "content": {"tid": "x"}},
            ]
        },
    )["seeded"]
    started = time.monotonic()
    summary = lambda_handler({}, Ctx(seconds=1.5))
    assert time.monotonic() - started < 5  # stopped at its budget, 10 s before the limit
    assert summary["enqueued"] == 3 and summary["acked"] == 3 and summary["unknown"] == 1
    bodies = _drain(env["queue_url"])
    assert [b["aftersale_status"] for b in bodies] == ["applied", "return_agreed", None]
    state = _call(f"{env['sim']}/pinduoduo/_state")
    assert state["pending"] == [] and state["acked"] == seeded and state["heartbeats"] >= 1


def test_unacked_frames_are_redelivered_and_enqueued_once(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from functions.pdd_consumer import handler

    _call(f"{env['sim']}/pinduoduo/_seed", {"messages": [{"type": "pdd_refund_RefundClosed", "content": _content(9)}]})
    monkeypatch.setenv("INTAKE_QUEUE_URL", env["queue_url"] + "-missing")  # enqueue fails → no Ack
    handler._settings.cache_clear()
    handler._queue.cache_clear()
    assert handler.lambda_handler({}, Ctx(seconds=1.0))["acked"] == 0
    assert len(_call(f"{env['sim']}/pinduoduo/_state")["pending"]) == 1

    monkeypatch.setenv("INTAKE_QUEUE_URL", env["queue_url"])
    handler._settings.cache_clear()
    handler._queue.cache_clear()
    assert handler.lambda_handler({}, Ctx(seconds=1.0))["acked"] == 1  # redelivered on reconnect
    assert _call(f"{env['sim']}/pinduoduo/_state")["pending"] == []
    [body] = _drain(env["queue_url"])
    assert body["aftersale_status"] == "closed"


def test_bad_sign_is_refused_by_the_server(env: dict[str, str]) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    base = _call(f"{env['sim']}/pinduoduo/_ws_url")["url"]
    from aftersales.channels.pinduoduo import now_ms, ws_path

    with pytest.raises(InvalidStatus):
        connect(base + ws_path("dev-client-id", now_ms(), "wrong-secret"), proxy=None, open_timeout=3).close()
    assert _call(f"{env['sim']}/pinduoduo/_state")["rejected"] == 1
