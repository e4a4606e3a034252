"""Generic channels through the one real handler on moto: routing by path, dedup, forged enqueue nothing."""

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
from aftersales.intake.signing import sign

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[3] / "events" / "intake_generic"


class Ctx:
    function_name = "aftersales-intake_generic"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:aftersales-intake_generic"
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
        from functions.intake_generic import handler

        handler._settings.cache_clear()
        handler._queue.cache_clear()
        yield url
        handler._settings.cache_clear()
        handler._queue.cache_clear()
        aws.reset()


def invoke(name: str) -> dict[str, Any]:
    from functions.intake_generic.handler import lambda_handler

    doc = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    path = doc["route"].split(" ", 1)[1]
    raw = doc["raw_body"].encode()
    headers = {**doc["headers"], "x-aftersales-signature": sign(raw, doc.get("secret", "dev-secret"))}
    result: dict[str, Any] = lambda_handler(http_event(path, doc["raw_body"], headers), Ctx())
    assert result["statusCode"] == doc["expect_status"], result
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


def test_every_generic_channel_is_routed_and_deduplicated(queue_url: str) -> None:
    for name in ("webchat_valid", "sms_valid", "phone_transcript", "partner_valid", "duplicate"):
        invoke(name)
    messages = drain(queue_url)
    assert sorted(m.channel.value for m in messages) == ["partner", "phone", "sms", "webchat"]
    phone = next(m for m in messages if m.channel.value == "phone")
    assert phone.text.startswith("我买的吹风机")


def test_rejections_enqueue_nothing(queue_url: str) -> None:
    for name in ("bad_signature", "malformed", "phone_no_customer_turn"):
        invoke(name)
    assert drain(queue_url) == []
