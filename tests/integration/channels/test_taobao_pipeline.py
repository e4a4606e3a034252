"""淘宝 TMC → poll_taobao → SQS → triage → one ticket that follows the refund's lifecycle."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from aftersales.adapters import aws
from infra.topology import TOPOLOGY
from local.simulator import Simulator

pytestmark = pytest.mark.integration


class Ctx:
    function_name = "f"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    aws_request_id = "req"

    def get_remaining_time_in_millis(self) -> int:
        return 50_000


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    with mock_aws(), Simulator() as sim:
        aws.reset()
        ddb = boto3.client("dynamodb")
        attrs = {"PK", "SK"} | {i.partition_key for i in TOPOLOGY.ticket_indexes}
        attrs |= {i.sort_key for i in TOPOLOGY.ticket_indexes}
        ddb.create_table(
            TableName="tickets",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in sorted(attrs)],
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": i.name,
                    "KeySchema": [
                        {"AttributeName": i.partition_key, "KeyType": "HASH"},
                        {"AttributeName": i.sort_key, "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
                for i in TOPOLOGY.ticket_indexes
            ],
        )
        ddb.create_table(
            TableName="idem",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
        queue_url = boto3.client("sqs").create_queue(QueueName="intake")["QueueUrl"]
        boto3.client("events").create_event_bus(Name="bus")
        for key, value in {
            "INTAKE_QUEUE_URL": queue_url,
            "IDEMPOTENCY_TABLE": "idem",
            "TICKETS_TABLE": "tickets",
            "EVENT_BUS_NAME": "bus",
            "AFTERSALES_SIMULATOR_URL": sim.base_url,
        }.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("TAOBAO_API_BASE", raising=False)
        from functions.poll_taobao import handler as poller
        from functions.triage import handler as triage

        for fn in (poller._settings, poller._queue, triage._deps):
            fn.cache_clear()
        yield {"queue_url": queue_url, "sim": sim.base_url}
        for fn in (poller._settings, poller._queue, triage._deps):  # don't leak our clients into other tests
            fn.cache_clear()
        aws.reset()


def _seed(sim: str, messages: list[dict[str, Any]]) -> None:
    req = urllib.request.Request(f"{sim}/taobao/_seed", data=json.dumps({"messages": messages}).encode(), method="POST")
    urllib.request.urlopen(req, timeout=5).close()


def _triage_all(queue_url: str) -> None:
    from functions.triage.handler import lambda_handler as triage

    sqs = boto3.client("sqs")
    while got := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        records = [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:intake",
                "awsRegion": "us-east-1",
            }
            for m in got
        ]
        assert triage({"Records": records}, Ctx()) == {"batchItemFailures": []}
        for m in got:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])


def test_refund_events_become_one_ticket_that_follows_the_lifecycle(env: dict[str, str]) -> None:
    from functions.poll_taobao.handler import lambda_handler as poll

    def content(modified: str) -> dict[str, Any]:
        return {
            "buyer_nick": "c**",
            "buyer_open_uid": "AAH8x9",
            "refund_fee": "19.90",
            "bill_type": "return_bill",
            "refund_id": 2001,
            "tid": 1001,
            "modified": modified,
        }

    _seed(env["sim"], [{"topic": "taobao_refund_RefundCreated", "content": content("2026-11-23 10:00:00")}])
    poll({}, Ctx())
    _triage_all(env["queue_url"])
    _seed(
        env["sim"],
        [
            {"topic": "taobao_refund_RefundSellerAgreeAgreement", "content": content("2026-11-23 11:00:00")},
            {"topic": "taobao_refund_RefundSuccess", "content": content("2026-11-24 09:00:00")},
        ],
    )
    poll({}, Ctx())
    _triage_all(env["queue_url"])

    from aftersales.adapters.dynamodb_tickets import DynamoTicketRepository
    from aftersales.models import ticket_id_for

    ticket = DynamoTicketRepository("tickets").get(ticket_id_for("taobao", "2001"))
    assert ticket.aftersale_status is not None and ticket.aftersale_status.value == "refund_succeeded"
    assert ticket.order_id == "1001" and ticket.customer.id == "taobao:AAH8x9"
    assert ticket.external.shop_id == "default"
