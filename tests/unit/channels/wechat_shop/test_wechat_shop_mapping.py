"""微信小店 pushes, pure: status mapping, one ticket per after-sale, enrichment flag."""

from __future__ import annotations

import pytest

from aftersales.channels import wechat, wechat_shop
from aftersales.channels.wechat import WeChatKeys, sha1_signature
from aftersales.errors import SignatureInvalid, ValidationFailed
from aftersales.intake.message import IntakeMessage
from aftersales.models import AftersaleStatus
from fakes import ListQueue

KEYS = WeChatKeys("dev-token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxdevappid")


def push(
    status: str, create: int = 1795000000, aftersale: str = "AS1", event: str = wechat_shop.AFTERSALE_EVENT
) -> str:
    return (
        f"<xml><ToUserName>gh_shop</ToUserName><FromUserName>o-sys</FromUserName><CreateTime>{create}</CreateTime>"
        f"<MsgType>event</MsgType><Event>{event}</Event><finder_shop_aftersale_status_update>"
        f"<status>{status}</status><after_sale_order_id>{aftersale}</after_sale_order_id>"
        f"<order_id>O1</order_id></finder_shop_aftersale_status_update></xml>"
    )


def send(xml: str, queue: ListQueue, token: str = "dev-token") -> None:
    encrypted = wechat.encrypt(xml, KEYS)
    body = f"<xml><ToUserName>gh_shop</ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
    query = {
        "encrypt_type": "aes",
        "timestamp": "1",
        "nonce": "n",
        "msg_signature": sha1_signature(token, "1", "n", encrypted),
    }
    wechat_shop.accept(body, query, queue, keys=KEYS)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("USER_CANCELD", AftersaleStatus.CLOSED),
        ("MERCHANT_PROCESSING", AftersaleStatus.APPLIED),
        ("MERCHANT_REJECT_REFUND", AftersaleStatus.REFUND_REFUSED),
        ("MERCHANT_REJECT_RETURN", AftersaleStatus.RETURN_REFUSED),
        ("USER_WAIT_RETURN", AftersaleStatus.RETURN_AGREED),
        ("RETURN_CLOSED", AftersaleStatus.CLOSED),
        ("MERCHANT_WAIT_RECEIPT", AftersaleStatus.BUYER_RETURNED),
        ("MERCHANT_REFUND_SUCCESS", AftersaleStatus.REFUND_SUCCEEDED),
        ("MERCHANT_RETURN_SUCCESS", AftersaleStatus.REFUND_SUCCEEDED),
        ("PLATFORM_REFUNDING", AftersaleStatus.REFUND_AGREED),
        ("SOMETHING_NEW", None),
    ],
)
def test_status_mapping(status: str, expected: AftersaleStatus | None) -> None:
    xml = push(status)
    message, _ = wechat_shop.to_intake(wechat.parse_document(xml), xml)
    assert message.event_type == "aftersale" and message.aftersale_status == expected
    assert message.needs_enrichment and message.external_id == "AS1" and message.order_id == "O1"
    assert message.external.aftersale_id == "AS1" and message.customer.id == "pending:AS1"


def test_every_status_of_one_aftersale_is_one_ticket_but_distinct_deliveries() -> None:
    queue = ListQueue()
    send(push("MERCHANT_PROCESSING", 100), queue)
    send(push("MERCHANT_REFUND_SUCCESS", 300), queue)
    send(push("USER_WAIT_RETURN", 200), queue)  # out of order
    messages = [IntakeMessage.model_validate_json(b) for b, _ in queue.messages]
    assert len({m.ticket_id for m in messages}) == 1
    assert len({d for _, d in queue.messages}) == 3
    assert [m.occurred_at.timestamp() for m in messages if m.occurred_at] == [100, 300, 200]


def test_complaint_is_arbitration_on_the_same_aftersale() -> None:
    xml = (
        "<xml><CreateTime>5</CreateTime><MsgType>event</MsgType><Event>channels_ec_complaint_update</Event>"
        "<complaint_info><complaint_id>C1</complaint_id><after_sale_order_id>AS1</after_sale_order_id>"
        "</complaint_info></xml>"
    )
    message, _ = wechat_shop.to_intake(wechat.parse_document(xml), xml)
    assert message.aftersale_status == AftersaleStatus.ARBITRATION
    status_xml = push("MERCHANT_PROCESSING")
    assert message.ticket_id == wechat_shop.to_intake(wechat.parse_document(status_xml), status_xml)[0].ticket_id


def test_unknown_event_is_kept_as_unknown() -> None:
    queue = ListQueue()
    send(push("X", event="channels_ec_order_new"), queue)
    message = IntakeMessage.model_validate_json(queue.messages[0][0])
    assert message.event_type == "unknown" and not message.needs_enrichment and message.raw


def test_forged_push_enqueues_nothing() -> None:
    queue = ListQueue()
    with pytest.raises(SignatureInvalid):
        send(push("MERCHANT_PROCESSING"), queue, token="guess")
    assert queue.messages == []


def test_safe_mode_body_without_encrypt_is_400() -> None:
    with pytest.raises(ValidationFailed):
        wechat_shop.accept(b"<xml><ToUserName>x</ToUserName></xml>", {"encrypt_type": "aes"}, ListQueue(), keys=KEYS)
