"""intake_email end to end: .eml in S3 (moto) + ObjectCreated event → handler → SQS, attachments archived."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from aftersales.adapters import aws

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[3] / "events" / "intake_email"


class Ctx:
    function_name = "intake_email"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:intake_email"
    aws_request_id = "req-email"

    def get_remaining_time_in_millis(self) -> int:
        return 25_000


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    with mock_aws():
        aws.reset()
        boto3.client("s3").create_bucket(Bucket="aftersales-archive")
        queue_url = boto3.client("sqs").create_queue(QueueName="intake")["QueueUrl"]
        boto3.client("dynamodb").create_table(
            TableName="idem",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
        monkeypatch.setenv("INTAKE_QUEUE_URL", queue_url)
        monkeypatch.setenv("IDEMPOTENCY_TABLE", "idem")
        monkeypatch.setenv("ARCHIVE_BUCKET", "aftersales-archive")
        from functions.intake_email import handler

        handler._settings.cache_clear()
        handler._queue.cache_clear()
        yield {"queue_url": queue_url}
        handler._settings.cache_clear()
        handler._queue.cache_clear()
        aws.reset()


def _event(key: str) -> dict[str, Any]:
    event = json.loads((SAMPLES / "s3_object_created.json").read_text())
    event = copy.deepcopy(event)
    event["Records"][0]["s3"]["object"]["key"] = key
    return event


def _store(name: str, key: str | None = None) -> str:
    key = key or f"inbound-email/{name}"
    boto3.client("s3").put_object(Bucket="aftersales-archive", Key=key, Body=(SAMPLES / name).read_bytes())
    return key


def _drain(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    out: list[dict[str, Any]] = []
    while got := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for m in got:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
    return out


def test_every_sample_is_enqueued_and_replies_join_their_thread(env: dict[str, str]) -> None:
    from functions.intake_email.handler import lambda_handler

    names = sorted(p.name for p in SAMPLES.glob("*.eml"))
    for name in names:
        lambda_handler(_event(_store(name)), Ctx())
    bodies = {b["external"]["message_id"]: b for b in _drain(env["queue_url"])}
    assert len(bodies) == len(names)
    first, reply = bodies["gbk-0001@mail.example.cn"], bodies["reply-0004@mail.example.cn"]
    assert reply["ticket_id"] == first["ticket_id"] and reply["text"] == "好的，我明天寄回。"
    assert first["subject"] == "电饭煲内胆有划痕" and first["customer"]["email"] == "zhangsan@example.cn"
    assert bodies["broken-0005@example.com"]["event_type"] == "unknown"
    [attachment] = bodies["utf8-0002@example.com"]["attachments"]
    bucket, _, key = attachment["url"].removeprefix("s3://").partition("/")
    stored = boto3.client("s3").get_object(Bucket=bucket, Key=key)
    assert stored["Body"].read().startswith(b"\xff\xd8") and stored["ContentType"] == "image/jpeg"


def test_the_same_mail_delivered_twice_is_enqueued_once(env: dict[str, str]) -> None:
    from functions.intake_email.handler import lambda_handler

    key = _store("gbk_plain.eml", "inbound-email/a%20b+c.eml".replace("%20", " "))
    event = _event("inbound-email/a+b%2Bc.eml")  # S3 URL-encodes keys in events
    lambda_handler(event, Ctx())
    lambda_handler(event, Ctx())
    assert key == "inbound-email/a b+c.eml"
    assert len(_drain(env["queue_url"])) == 1


def test_objects_outside_the_prefix_are_ignored(env: dict[str, str]) -> None:
    from functions.intake_email.handler import lambda_handler

    _store("gbk_plain.eml", "other/gbk_plain.eml")
    assert lambda_handler(_event("other/gbk_plain.eml"), Ctx()) == {"accepted": []}
    assert _drain(env["queue_url"]) == []
