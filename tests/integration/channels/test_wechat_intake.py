"""微信公众号 and 微信小店 through the real handlers on moto, using the committed sample events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest

from aftersales.intake.message import IntakeMessage
from aftersales.models import AftersaleStatus
from lambda_events import FakeContext

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[3] / "events"


def replay_event(sample: dict[str, Any]) -> dict[str, Any]:
    """A replay-format sample (route may carry a query string) → API Gateway HTTP API v2.0 event."""
    method, _, target = sample["route"].partition(" ")
    split = urlsplit(target)
    return {
        "version": "2.0",
        "routeKey": f"{method} {split.path}",
        "rawPath": split.path,
        "rawQueryString": split.query,
        "headers": sample.get("headers") or {},
        "queryStringParameters": None,
        "requestContext": {
            "http": {"method": method, "path": split.path, "sourceIp": "127.0.0.1"},
            "requestId": "req",
            "stage": "$default",
        },
        "body": sample.get("raw_body") or None,
        "isBase64Encoded": False,
    }


def invoke(handler: ModuleType, folder: str, name: str) -> dict[str, Any]:
    sample = json.loads((EVENTS / folder / f"{name}.json").read_text(encoding="utf-8"))
    result: dict[str, Any] = handler.lambda_handler(replay_event(sample), FakeContext())
    assert result["statusCode"] == sample["expect_status"], result
    return result


def drain(url: str) -> list[IntakeMessage]:
    sqs = boto3.client("sqs")
    out: list[IntakeMessage] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in batch:
            out.append(IntakeMessage.model_validate_json(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


@pytest.fixture
def wechat_handler(aws_env: dict[str, Any]) -> Iterator[ModuleType]:
    from functions.intake_wechat import handler

    handler._settings.cache_clear()
    handler._queue.cache_clear()
    yield handler
    handler._settings.cache_clear()
    handler._queue.cache_clear()


@pytest.fixture
def shop_handler(aws_env: dict[str, Any]) -> Iterator[ModuleType]:
    from functions.intake_wechat_shop import handler

    handler._settings.cache_clear()
    handler._queue.cache_clear()
    yield handler
    handler._settings.cache_clear()
    handler._queue.cache_clear()


def test_url_verification_echoes_echostr_as_plain_text(wechat_handler: ModuleType) -> None:
    result = invoke(wechat_handler, "intake_wechat", "url_verify")
    assert result["body"] == "5837397520641390232"
    assert result["headers"]["Content-Type"].startswith("text/plain")


def test_plain_message_is_acknowledged_with_success_and_enqueued_once(
    wechat_handler: ModuleType, aws_env: dict[str, Any]
) -> None:
    first = invoke(wechat_handler, "intake_wechat", "valid_text")
    assert first["body"] == "success"
    invoke(wechat_handler, "intake_wechat", "duplicate")
    messages = drain(aws_env["INTAKE_QUEUE_URL"])
    assert len(messages) == 1
    assert messages[0].customer.id == "o-cust-1" and messages[0].external_id == "24680000000000001"
    assert "保温杯漏水" in messages[0].text


def test_safe_mode_messages_are_decrypted(wechat_handler: ModuleType, aws_env: dict[str, Any]) -> None:
    invoke(wechat_handler, "intake_wechat", "valid_safe_text")
    invoke(wechat_handler, "intake_wechat", "image_safe")
    messages = drain(aws_env["INTAKE_QUEUE_URL"])
    assert [m.event_type for m in messages] == ["message", "message"]
    assert "没收到" in messages[0].text and messages[1].attachments[0].url.endswith("leak.jpg")


@pytest.mark.parametrize("name", ["bad_signature", "wrong_appid", "tampered_ciphertext", "malformed"])
def test_rejected_requests_enqueue_nothing(wechat_handler: ModuleType, aws_env: dict[str, Any], name: str) -> None:
    result = invoke(wechat_handler, "intake_wechat", name)
    assert json.loads(result["body"])["error"] in ("invalid_signature", "validation_failed")
    assert drain(aws_env["INTAKE_QUEUE_URL"]) == []


def test_unknown_event_is_enqueued_as_unknown(wechat_handler: ModuleType, aws_env: dict[str, Any]) -> None:
    invoke(wechat_handler, "intake_wechat", "unknown_event")
    (message,) = drain(aws_env["INTAKE_QUEUE_URL"])
    assert message.event_type == "unknown" and message.platform_event == "subscribe"


def test_giant_body_is_413(wechat_handler: ModuleType, aws_env: dict[str, Any]) -> None:
    sample = {"route": "POST /v1/intake/wechat?signature=x&timestamp=1&nonce=n", "raw_body": "<xml>" + "a" * 70_000}
    result = wechat_handler.lambda_handler(replay_event(sample), FakeContext())
    assert result["statusCode"] == 413
    assert drain(aws_env["INTAKE_QUEUE_URL"]) == []


def test_shop_aftersale_lifecycle_lands_on_one_ticket(shop_handler: ModuleType, aws_env: dict[str, Any]) -> None:
    for name in ("valid", "duplicate", "refund_success", "out_of_order", "complaint"):
        assert invoke(shop_handler, "intake_wechat_shop", name)["body"] == "success"
    messages = drain(aws_env["INTAKE_QUEUE_URL"])
    assert len(messages) == 4  # the duplicate was absorbed
    assert len({m.ticket_id for m in messages}) == 1
    assert {m.aftersale_status for m in messages} == {
        AftersaleStatus.APPLIED,
        AftersaleStatus.REFUND_SUCCEEDED,
        AftersaleStatus.RETURN_AGREED,
        AftersaleStatus.ARBITRATION,
    }
    assert all(m.needs_enrichment and m.external.aftersale_id == "4000000000000001" for m in messages)


def test_shop_unknown_and_forged(shop_handler: ModuleType, aws_env: dict[str, Any]) -> None:
    invoke(shop_handler, "intake_wechat_shop", "unknown_event")
    invoke(shop_handler, "intake_wechat_shop", "bad_signature")
    invoke(shop_handler, "intake_wechat_shop", "malformed")
    (message,) = drain(aws_env["INTAKE_QUEUE_URL"])
    assert message.event_type == "unknown"


def test_shop_gateway_fetches_details_and_wechat_gateway_replies(monkeypatch: pytest.MonkeyPatch) -> None:
    from aftersales.adapters.platforms import gateway_for
    from aftersales.adapters.platforms.wechat import WeChatApiError
    from aftersales.channels import wechat, wechat_shop
    from aftersales.models import Ticket
    from local.simulator import Simulator

    with Simulator() as sim:
        monkeypatch.setenv("WECHAT_API_BASE", sim.base_url + "/wechat")
        sim.platforms["wechat"].seed([{"after_sale_order_id": "4000000000000001", "openid": "o-buyer-9"}])  # type: ignore[attr-defined]
        push = (
            "<xml><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>channels_ec_aftersale_update</Event>"
            "<finder_shop_aftersale_status_update><status>MERCHANT_PROCESSING</status>"
            "<after_sale_order_id>4000000000000001</after_sale_order_id><order_id>O1</order_id>"
            "</finder_shop_aftersale_status_update></xml>"
        )
        message, _ = wechat_shop.to_intake(wechat.parse_document(push), push)
        shop_gateway = gateway_for("wechat-shop")
        assert shop_gateway is not None
        enriched = shop_gateway.fetch_details(message)
        assert enriched.customer.id == "o-buyer-9" and enriched.order_amount_fen == 9900
        assert enriched.items[0].sku == "sku-1" and "质量问题" in enriched.text and not enriched.needs_enrichment

        reply_gateway = gateway_for("wechat")
        assert reply_gateway is not None
        ticket = Ticket(id="T-1", channel="wechat", external_id="1", customer=enriched.customer)
        reply_gateway.send_reply(ticket, "您好，已为您登记退货", idempotency_key="reply-1")
        sent = [op for op in sim.operations if op["operation"] == "custom_send"]
        assert len(sent) == 1 and sent[0]["touser"] == "o-buyer-9"
        unknown = message.model_copy(update={"external": message.external.model_copy(update={"aftersale_id": "x"})})
        with pytest.raises(WeChatApiError, match="after_sale_order not exist"):
            shop_gateway.fetch_details(unknown)  # triage then marks the ticket incomplete
