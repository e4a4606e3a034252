"""抖店 push through the real handler on moto: ack format, dedup, forged signatures enqueue nothing."""

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

EVENTS = Path(__file__).resolve().parents[3] / "events" / "intake_douyin"


class Ctx:
    function_name = "aftersales-intake_douyin"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:aftersales-intake_douyin"
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
        from functions.intake_douyin import handler

        handler._settings.cache_clear()
        handler._queue.cache_clear()
        yield url
        handler._settings.cache_clear()
        handler._queue.cache_clear()
        aws.reset()


def invoke(name: str) -> dict[str, Any]:
    from functions.intake_douyin.handler import lambda_handler

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


def test_valid_push_is_acknowledged_and_enqueued_once_despite_redelivery(queue_url: str) -> None:
    first = invoke("valid_tag200")
    assert first["statusCode"] == 200
    assert json.loads(first["body"]) == {"code": 0, "msg": "success"}
    assert invoke("duplicate")["statusCode"] == 200
    messages = drain(queue_url)
    assert len(messages) == 1
    assert messages[0].event_type == "aftersale" and messages[0].needs_enrichment


def test_later_event_of_same_aftersale_targets_the_same_ticket(queue_url: str) -> None:
    invoke("valid_tag200")
    invoke("tag206_same_aftersale")
    first, second = drain(queue_url)
    assert first.ticket_id == second.ticket_id
    assert second.aftersale_status is AftersaleStatus.REFUND_SUCCEEDED


def test_forged_signature_is_401_in_douyin_format_and_enqueues_nothing(queue_url: str) -> None:
    result = invoke("bad_signature")
    assert result["statusCode"] == 401
    assert json.loads(result["body"]) == {"code": 1, "msg": "fail"}
    assert drain(queue_url) == []


def test_malformed_is_400_and_enqueues_nothing(queue_url: str) -> None:
    assert invoke("malformed")["statusCode"] == 400
    assert drain(queue_url) == []


def test_mixed_batch_keeps_every_element(queue_url: str) -> None:
    assert invoke("mixed_batch")["statusCode"] == 200
    assert sorted(m.event_type for m in drain(queue_url)) == ["aftersale", "unknown", "unknown"]
