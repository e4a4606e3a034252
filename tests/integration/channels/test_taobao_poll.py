"""poll_taobao end to end: simulator TMC → handler → SQS (moto), confirmed only after enqueue."""

from __future__ import annotations

import json
import os
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
    function_name = "poll_taobao"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:poll_taobao"
    aws_request_id = "req-taobao"

    def get_remaining_time_in_millis(self) -> int:
        return 50_000


def _post(url: str, body: Any) -> Any:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read())


def _content(refund_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "buyer_nick": "c**",
        "buyer_open_uid": "AAH8x9",
        "refund_fee": "1.00",
        "bill_type": "refund_bill",
        "refund_id": refund_id,
        "tid": 555,
        "modified": "2022-09-29 14:17:15",
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
        monkeypatch.delenv("TAOBAO_API_BASE", raising=False)
        from functions.poll_taobao import handler

        handler._settings.cache_clear()
        handler._queue.cache_clear()
        yield {"queue_url": queue_url, "sim": sim.base_url}
        handler._settings.cache_clear()
        handler._queue.cache_clear()
        aws.reset()


def _drain(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for m in got:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])


def test_tmc_messages_are_enqueued_then_confirmed(env: dict[str, str]) -> None:
    from functions.poll_taobao.handler import lambda_handler

    seeded = _post(
        f"{env['sim']}/taobao/_seed",
        {
            "messages": [
                {"topic": "taobao_refund_RefundCreated", "content": _content(2001)},
                {
                    "topic": "taobao_refund_RefundSellerAgreeAgreement",
                    "content": _content(2001, bill_type="return_bill"),
                },
                {"topic": "taobao_item_ItemAdd", "content": {"num_iid": 1}},
            ]
        },
    )["seeded"]
    summary = lambda_handler({"source": "aws.events", "detail-type": "Scheduled Event"}, Ctx())
    assert summary["default"]["enqueued"] == 3 and summary["default"]["confirmed"] == 3
    bodies = _drain(env["queue_url"])
    assert [b["aftersale_status"] for b in bodies] == ["applied", "return_agreed", None]
    assert bodies[2]["event_type"] == "unknown"
    assert {b["ticket_id"] for b in bodies[:2]} == {bodies[0]["ticket_id"]}
    state = _get(f"{env['sim']}/taobao/_state")
    assert state["pending"] == [] and state["confirmed"] == seeded
    ops = _get(f"{env['sim']}/_sim/operations")["operations"]
    assert [o["operation"] for o in ops] == ["tmc.consume", "tmc.confirm"]

    # Nothing new: an empty consume, nothing enqueued.
    assert lambda_handler({}, Ctx())["default"]["consumed"] == 0
    assert _drain(env["queue_url"]) == []


def test_redelivered_message_is_enqueued_once(env: dict[str, str]) -> None:
    """A message TMC redelivers (our confirm got lost) is de-duplicated on its id."""
    from functions.poll_taobao.handler import lambda_handler

    _post(
        f"{env['sim']}/taobao/_seed",
        {"messages": [{"id": 42, "topic": "taobao_refund_RefundCreated", "content": _content(7)}]},
    )
    lambda_handler({}, Ctx())
    _post(
        f"{env['sim']}/taobao/_seed",
        {"messages": [{"id": 42, "topic": "taobao_refund_RefundCreated", "content": _content(7)}]},
    )
    assert lambda_handler({}, Ctx())["default"]["confirmed"] == 1
    assert len(_drain(env["queue_url"])) == 1


def test_failed_enqueue_leaves_messages_unconfirmed(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from functions.poll_taobao.handler import lambda_handler

    _post(
        f"{env['sim']}/taobao/_seed",
        {"messages": [{"id": 43, "topic": "taobao_refund_RefundCreated", "content": _content(8)}]},
    )
    monkeypatch.setenv("INTAKE_QUEUE_URL", env["queue_url"] + "-missing")
    from functions.poll_taobao import handler

    handler._settings.cache_clear()
    handler._queue.cache_clear()
    summary = lambda_handler({}, Ctx())
    assert summary["default"]["failed"] == 1 and summary["default"]["confirmed"] == 0
    assert _get(f"{env['sim']}/taobao/_state")["pending"] == ["43"]

    monkeypatch.setenv("INTAKE_QUEUE_URL", env["queue_url"])
    handler._settings.cache_clear()
    handler._queue.cache_clear()
    assert lambda_handler({}, Ctx())["default"]["confirmed"] == 1  # redelivered, now enqueued
    assert _get(f"{env['sim']}/taobao/_state")["pending"] == []
    assert len(_drain(env["queue_url"])) == 1


def test_forged_signature_is_rejected_in_top_format(env: dict[str, str]) -> None:
    from aftersales.adapters.platforms.taobao import TopClient, TopError

    client = TopClient()
    client.creds = {**client.creds, "app_secret": "wrong"}
    with pytest.raises(TopError, match="25 Invalid signature"):
        client.call("taobao.tmc.messages.consume", {"group_name": "default", "quantity": "10"})
    assert os.environ["AFTERSALES_SIMULATOR_URL"]
