"""poll_jd end to end: simulator 京东 list → handler → SQS (moto), mark kept in DynamoDB."""

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
    function_name = "poll_jd"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:poll_jd"
    aws_request_id = "req-jd"

    def get_remaining_time_in_millis(self) -> int:
        return 50_000


def _seed(sim: str, services: list[dict[str, Any]]) -> None:
    req = urllib.request.Request(f"{sim}/jd/_seed", data=json.dumps({"services": services}).encode(), method="POST")
    urllib.request.urlopen(req, timeout=5).close()


def _svc(afs_id: int, step: int, updated: int, expect: int = 10) -> dict[str, Any]:
    return {
        "afsServiceId": afs_id,
        "orderId": 9001,
        "customerExpect": expect,
        "afsServiceStep": step,
        "updateTime": updated,
        "customerPin": "pin",
        "skuId": 1,
        "wareName": "耳机",
        "questionDesc": "没声音",
    }


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    with mock_aws(), Simulator() as sim:
        aws.reset()
        ddb = boto3.client("dynamodb")
        queue_url = boto3.client("sqs").create_queue(QueueName="intake")["QueueUrl"]
        ddb.create_table(
            TableName="idem",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
        ddb.create_table(
            TableName="tickets",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("PK", "SK")],
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        )
        monkeypatch.setenv("INTAKE_QUEUE_URL", queue_url)
        monkeypatch.setenv("IDEMPOTENCY_TABLE", "idem")
        monkeypatch.setenv("TICKETS_TABLE", "tickets")
        monkeypatch.setenv("AFTERSALES_SIMULATOR_URL", sim.base_url)
        monkeypatch.delenv("JD_API_BASE", raising=False)
        from functions.poll_jd import handler

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


def test_poller_enqueues_updates_and_keeps_a_durable_mark(env: dict[str, str]) -> None:
    from functions.poll_jd.handler import lambda_handler

    now = int(time.time() * 1000)
    _seed(env["sim"], [_svc(1, 10, now - 60_000), _svc(2, 10, now - 30_000, expect=20)])
    first = lambda_handler({}, Ctx())["default"]
    assert first["enqueued"] == 2 and first["mark_ms"] == now - 30_000
    bodies = _drain(env["queue_url"])
    assert [(b["external_id"], b["aftersale_status"]) for b in bodies] == [("1", "applied"), ("2", "applied")]
    item = boto3.client("dynamodb").get_item(
        TableName="tickets", Key={"PK": {"S": "POLL#jd#default"}, "SK": {"S": "STATE"}}
    )
    assert item["Item"]["version"]["N"] == "1"

    # Nothing changed: nothing enqueued. Then order 1 finishes (refund for a return).
    assert lambda_handler({}, Ctx())["default"]["enqueued"] == 0
    _seed(env["sim"], [_svc(1, 50, now - 1_000)])
    assert lambda_handler({}, Ctx())["default"]["enqueued"] == 1
    [done] = _drain(env["queue_url"])
    assert done["external_id"] == "1" and done["aftersale_status"] == "refund_succeeded"
    assert done["ticket_id"] == bodies[0]["ticket_id"]


def test_forged_signature_is_rejected(env: dict[str, str]) -> None:
    from aftersales.adapters.platforms.jd import JdApiError, JdClient

    client = JdClient()
    client.creds = {**client.creds, "app_secret": "wrong"}
    with pytest.raises(JdApiError, match="Invalid signature"):
        client.list_updated(0, 1, 1, 10)
