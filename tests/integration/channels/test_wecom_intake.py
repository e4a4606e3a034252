"""企业微信 / 微信客服 on moto: callbacks through the real handler, then the kf_sync Lambda pulling
from the simulator (cursor stored in DynamoDB, second run continues), and kf/send_msg replies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from aftersales.intake.message import IntakeMessage
from lambda_events import FakeContext, sqs_event
from local.simulator import Simulator

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[3] / "events" / "intake_wecom"


def replay_event(sample: dict[str, Any]) -> dict[str, Any]:
    from urllib.parse import urlsplit

    method, _, target = sample["route"].partition(" ")
    split = urlsplit(target)
    return {
        "version": "2.0",
        "routeKey": f"{method} {split.path}",
        "rawPath": split.path,
        "rawQueryString": split.query,
        "headers": sample.get("headers") or {},
        "requestContext": {
            "http": {"method": method, "path": split.path, "sourceIp": "127.0.0.1"},
            "requestId": "req",
            "stage": "$default",
        },
        "body": sample.get("raw_body") or None,
        "isBase64Encoded": False,
    }


def invoke(handler: ModuleType, name: str) -> dict[str, Any]:
    sample = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    result: dict[str, Any] = handler.lambda_handler(replay_event(sample), FakeContext())
    assert result["statusCode"] == sample["expect_status"], result
    return result


def receive(url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    out: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in batch:
            out.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def intake_messages(url: str) -> list[IntakeMessage]:
    return [IntakeMessage.model_validate_json(m["Body"]) for m in receive(url)]


@pytest.fixture
def env(aws_env: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """aws_env + the kf_sync queue (found as the intake queue's sibling, as in the local runtime)."""
    from functions.intake_wecom import handler as intake
    from functions.kf_sync import handler as kf

    kf_url = boto3.client("sqs").create_queue(QueueName="kf_sync")["QueueUrl"]
    for clear in (intake._settings, intake._queues, kf._deps):
        clear.cache_clear()
    yield {**aws_env, "kf_url": kf_url, "intake": intake, "kf": kf}
    for clear in (intake._settings, intake._queues, kf._deps):
        clear.cache_clear()


def test_url_verification_answers_the_decrypted_echostr(env: dict[str, Any]) -> None:
    result = invoke(env["intake"], "url_verify")
    assert result["body"] == "1616140317555161061"


def test_app_message_enqueued_once(env: dict[str, Any]) -> None:
    assert invoke(env["intake"], "valid_text")["body"] == ""
    invoke(env["intake"], "duplicate")
    (message,) = intake_messages(env["INTAKE_QUEUE_URL"])
    assert message.channel.value == "wecom" and message.customer.id == "zhangsan"


@pytest.mark.parametrize("name", ["bad_signature", "wrong_corpid", "malformed"])
def test_rejected_callbacks_enqueue_nothing(env: dict[str, Any], name: str) -> None:
    invoke(env["intake"], name)
    assert receive(env["INTAKE_QUEUE_URL"]) == [] and receive(env["kf_url"]) == []


def test_kf_notification_to_messages_via_kf_sync(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    with Simulator() as sim:
        monkeypatch.setenv("WECOM_API_BASE", sim.base_url + "/wecom")
        platform: Any = sim.platforms["wecom"]
        platform.page_size = 2
        platform.seed(
            [
                {"open_kfid": "wkdevkf0001", "external_userid": "wm-cust-1", "text": "收到的衣服有破洞"},
                {"open_kfid": "wkdevkf0001", "external_userid": "wm-cust-1", "origin": 5, "text": "客服回复"},
                {"open_kfid": "wkdevkf0001", "external_userid": "wm-cust-1", "text": "能换一件吗"},
                {"open_kfid": "wkother", "external_userid": "wm-cust-2", "text": "别的客服账号"},
            ]
        )
        # 1. The callback only enqueues a pull job: nothing slow before the acknowledgement.
        assert invoke(env["intake"], "kf_msg_or_event")["body"] == ""
        assert receive(env["INTAKE_QUEUE_URL"]) == []
        assert not [op for op in sim.operations if op["operation"] == "kf_sync_msg"]
        jobs = receive(env["kf_url"])
        assert len(jobs) == 1

        # 2. kf_sync pulls (two pages), enqueues the customer's two messages, stores the cursor.
        arn = "arn:aws:sqs:us-east-1:123456789012:kf_sync"
        assert env["kf"].lambda_handler(sqs_event(jobs, arn), FakeContext()) == {"batchItemFailures": []}
        messages = intake_messages(env["INTAKE_QUEUE_URL"])
        assert [m.text for m in messages] == ["收到的衣服有破洞", "能换一件吗"]
        assert {m.customer.id for m in messages} == {"wm-cust-1"}
        assert all(m.customer.platform_user_id == "kf:wkdevkf0001:wm-cust-1" for m in messages)
        item = boto3.client("dynamodb").get_item(
            TableName=env["TICKETS_TABLE"], Key={"PK": {"S": "CURSOR#wecom-kf#wkdevkf0001"}, "SK": {"S": "CURSOR"}}
        )["Item"]
        assert item["cursor"]["S"] == "c3"
        gettoken_calls = len([op for op in sim.operations if op["operation"] == "gettoken"])

        # 3. A later notification continues from the stored cursor; redelivered jobs add nothing.
        platform.seed([{"open_kfid": "wkdevkf0001", "external_userid": "wm-cust-1", "text": "还在吗"}])
        job = {"MessageId": "j2", "ReceiptHandle": "r", "Body": json.dumps({"open_kfid": "wkdevkf0001"})}
        env["kf"].lambda_handler(sqs_event([job], arn), FakeContext())
        env["kf"].lambda_handler(sqs_event([job], arn), FakeContext())
        assert [m.text for m in intake_messages(env["INTAKE_QUEUE_URL"])] == ["还在吗"]
        assert platform.sync_calls[-2].get("cursor") == "c3"
        assert len([op for op in sim.operations if op["operation"] == "gettoken"]) == gettoken_calls  # cached


def test_kf_reply_retry_is_not_a_second_message(monkeypatch: pytest.MonkeyPatch) -> None:
    from aftersales.adapters.platforms import gateway_for
    from aftersales.models import Customer, ExternalRefs, Ticket

    with Simulator() as sim:
        monkeypatch.setenv("WECOM_API_BASE", sim.base_url + "/wecom")
        gateway = gateway_for("wecom")
        assert gateway is not None
        ticket = Ticket(
            id="T-1",
            channel="wecom",
            external_id="m1",
            customer=Customer(id="wm-cust-1", platform_user_id="kf:wkdevkf0001:wm-cust-1"),
            external=ExternalRefs(shop_id="default"),
        )
        first = gateway.send_reply(ticket, "已为您安排换货", idempotency_key="T-1:reply:1")
        second = gateway.send_reply(ticket, "已为您安排换货", idempotency_key="T-1:reply:1")
        assert first["msgid"] == second["msgid"] and len(first["msgid"]) <= 32
        sent = [op for op in sim.operations if op["operation"] == "kf_send_msg"]
        assert len(sent) == 1 and sent[0]["body"]["open_kfid"] == "wkdevkf0001" and sent[0]["touser"] == "wm-cust-1"
