"""有赞 push through the real handler on moto: ack, dedup, ordering data, forged signatures enqueue nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from aftersales.adapters import aws
from aftersales.intake.message import IntakeMessage
from aftersales.models import AftersaleStatus

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[3] / "events" / "intake_youzan"


class Ctx:
    function_name = "aftersales-intake_youzan"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:aftersales-intake_youzan"
    aws_request_id = "req-1"


def http_event(path: str, body: str, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "http": {"method": "POST", "path": path, "sourceIp": "127.0.0.1"},
            "requestId": "abc",
            "stage": "$default",
        },
        "body": body,
        "isBase64Encoded": False,
    }


@pytest.fixture
def queue_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with mock_aws():
        aws.reset()
        url = boto3.client("sqs").create_queue(QueueName="intake")["QueueUrl"]
        boto3.client("dynamodb").create_table(
            TableName="idem",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
        monkeypatch.setenv("INTAKE_QUEUE_URL", url)
        monkeypatch.setenv("IDEMPOTENCY_TABLE", "idem")
        from functions.intake_youzan import handler

        handler._settings.cache_clear()
        handler._queue.cache_clear()
        yield url
        handler._settings.cache_clear()
        handler._queue.cache_clear()
        aws.reset()


def invoke(name: str) -> dict[str, Any]:
    from functions.intake_youzan.handler import lambda_handler

    doc = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    path = doc["route"].split(" ", 1)[1]
    result: dict[str, Any] = lambda_handler(http_event(path, doc["raw_body"], doc["headers"]), Ctx())
    return result


def drain(url: str) -> list[IntakeMessage]:
    sqs = boto3.client("sqs")
    out: list[IntakeMessage] = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return out
        for m in batch:
            out.append(IntakeMessage.model_validate_json(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_valid_push_is_acknowledged_and_enqueued_once(queue_url: str) -> None:
    first = invoke("valid")
    assert first["statusCode"] == 200
    assert json.loads(first["body"]) == {"code": 0, "msg": "success"}
    assert invoke("duplicate")["statusCode"] == 200
    [message] = drain(queue_url)
    assert message.aftersale_status is AftersaleStatus.APPLIED
    assert message.order_amount_fen == 5990


def test_out_of_order_versions_carry_ordering_for_triage(queue_url: str) -> None:
    invoke("seller_refused")
    invoke("out_of_order")
    newer, older = drain(queue_url)
    assert newer.ticket_id == older.ticket_id
    assert older.occurred_at < newer.occurred_at  # type: ignore[operator]


def test_forged_signature_is_401_and_enqueues_nothing(queue_url: str) -> None:
    assert invoke("bad_signature")["statusCode"] == 401
    assert drain(queue_url) == []


def test_malformed_is_400_and_unknown_is_acknowledged(queue_url: str) -> None:
    assert invoke("malformed")["statusCode"] == 400
    assert drain(queue_url) == []
    assert invoke("unknown_type")["statusCode"] == 200
    assert [m.event_type for m in drain(queue_url)] == ["unknown"]
