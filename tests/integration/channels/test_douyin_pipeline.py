"""抖店/有赞 push → intake handler → SQS → triage (enriching through the simulator) → one ticket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from aftersales.models import AftersaleStatus
from lambda_events import FakeContext, http_event, sqs_event
from local.simulator import Simulator

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[3] / "events"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:intake"


@pytest.fixture
def env(aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    from functions.intake_douyin import handler as douyin_handler
    from functions.intake_youzan import handler as youzan_handler

    with Simulator() as sim:
        monkeypatch.delenv("DOUYIN_API_BASE", raising=False)
        monkeypatch.setenv("AFTERSALES_SIMULATOR_URL", sim.base_url)
        for module in (douyin_handler, youzan_handler):
            module._settings.cache_clear()
            module._queue.cache_clear()
        yield aws_env
        for module in (douyin_handler, youzan_handler):
            module._settings.cache_clear()
            module._queue.cache_clear()


def push(channel: str, name: str) -> dict[str, Any]:
    if channel == "douyin":
        from functions.intake_douyin.handler import lambda_handler
    else:
        from functions.intake_youzan.handler import lambda_handler
    doc = json.loads((EVENTS / f"intake_{channel}" / f"{name}.json").read_text(encoding="utf-8"))
    path = doc["route"].split(" ", 1)[1]
    result: dict[str, Any] = lambda_handler(http_event("POST", path, doc["raw_body"], doc["headers"]), FakeContext())
    assert result["statusCode"] == doc["expect_status"], result
    return result


def run_triage(queue_url: str) -> None:
    from functions.triage.handler import lambda_handler as triage

    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    assert messages
    assert triage(sqs_event(messages, QUEUE_ARN), FakeContext()) == {"batchItemFailures": []}
    for m in messages:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])


def stored_ticket(ticket_id: str) -> dict[str, Any]:
    from functions.triage.handler import _deps

    repository, _ = _deps()
    return repository.get(ticket_id).model_dump(mode="json")


def test_douyin_push_becomes_one_enriched_ticket_and_later_tags_update_it(env: dict[str, str]) -> None:
    from aftersales.models import ticket_id_for

    push("douyin", "valid_tag200")
    push("douyin", "duplicate")
    run_triage(env["INTAKE_QUEUE_URL"])
    ticket_id = ticket_id_for("douyin", "7123456789012345678")
    ticket = stored_ticket(ticket_id)
    assert ticket["incomplete"] is False
    assert ticket["customer"]["id"].startswith("douyin:")
    assert "****" in ticket["customer"]["phone"]
    assert ticket["items"][0]["name"]
    assert ticket["aftersale_status"] == AftersaleStatus.APPLIED.value

    push("douyin", "tag206_same_aftersale")
    run_triage(env["INTAKE_QUEUE_URL"])
    assert stored_ticket(ticket_id)["aftersale_status"] == AftersaleStatus.REFUND_SUCCEEDED.value


def test_youzan_late_low_version_does_not_override_newer_status(env: dict[str, str]) -> None:
    from aftersales.models import ticket_id_for

    push("youzan", "valid")
    run_triage(env["INTAKE_QUEUE_URL"])
    push("youzan", "seller_refused")
    run_triage(env["INTAKE_QUEUE_URL"])
    push("youzan", "out_of_order")
    run_triage(env["INTAKE_QUEUE_URL"])
    ticket = stored_ticket(ticket_id_for("youzan", "201123190000000001"))
    assert ticket["aftersale_status"] == AftersaleStatus.REFUND_REFUSED.value
    assert ticket["incomplete"] is True  # no 有赞 gateway yet: buyer identity still to fetch
