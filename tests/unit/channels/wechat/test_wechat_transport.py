"""微信公众号 intake, pure: signatures, crypto round-trips, parsing and mapping (no network, no AWS)."""

from __future__ import annotations

import json

import pytest

from aftersales.channels import wechat
from aftersales.channels.wechat import WeChatKeys, sha1_signature
from aftersales.errors import PayloadTooLarge, SignatureInvalid, ValidationFailed
from aftersales.intake.message import IntakeMessage
from fakes import ListQueue

AES = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
KEYS = WeChatKeys("dev-token", AES, "wxdevappid")
TS, NONCE = "1795000000", "nonce1"


def text_xml(msgid: str = "1001", content: str = "杯子漏水，想退货", sender: str = "o-cust-1") -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_dev]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
        f"<CreateTime>{TS}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msgid}</MsgId></xml>"
    )


def plain_query(token: str = "dev-token") -> dict[str, str]:
    return {"signature": sha1_signature(token, TS, NONCE), "timestamp": TS, "nonce": NONCE}


def safe_request(xml: str, keys: WeChatKeys = KEYS, token: str = "dev-token") -> tuple[bytes, dict[str, str]]:
    encrypted = wechat.encrypt(xml, keys)
    body = f"<xml><ToUserName><![CDATA[gh_dev]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    query = {
        "encrypt_type": "aes",
        "msg_signature": sha1_signature(token, TS, NONCE, encrypted),
        "timestamp": TS,
        "nonce": NONCE,
    }
    return body.encode(), query


def test_signature_is_sha1_of_sorted_parts() -> None:
    # Worked example: sorted(["dev-token", "1795000000", "nonce1"]) concatenated, then sha1.
    import hashlib

    expected = hashlib.sha1("".join(sorted(["dev-token", TS, NONCE])).encode()).hexdigest()
    assert sha1_signature("dev-token", TS, NONCE) == expected
    wechat.check_signature(expected.upper(), "dev-token", TS, NONCE)  # case-insensitive hex


def test_url_verification_answers_echostr_only_when_signed_with_our_token() -> None:
    assert wechat.verify_url({**plain_query(), "echostr": "12345"}, KEYS) == "12345"
    with pytest.raises(SignatureInvalid):
        wechat.verify_url({**plain_query("wrong"), "echostr": "12345"}, KEYS)


def test_crypto_round_trip_with_wechatpy() -> None:
    ciphertext = wechat.encrypt("<xml><a>你好</a></xml>", KEYS)
    assert wechat.decrypt(ciphertext, KEYS) == "<xml><a>你好</a></xml>"


def test_plaintext_for_another_appid_is_rejected() -> None:
    ciphertext = wechat.encrypt("<xml/>", WeChatKeys("dev-token", AES, "wxotherapp"))
    with pytest.raises(SignatureInvalid):
        wechat.decrypt(ciphertext, KEYS)


def test_garbage_ciphertext_is_an_authentication_failure() -> None:
    with pytest.raises(SignatureInvalid):
        wechat.decrypt("bm90IGEgY2lwaGVydGV4dA==", KEYS)


def test_plain_mode_message_is_mapped_and_enqueued() -> None:
    queue = ListQueue()
    accepted = wechat.accept(text_xml().encode(), plain_query(), queue, keys=KEYS)
    assert accepted.event_type == "message"
    body, dedup_id = queue.messages[0]
    message = IntakeMessage.model_validate_json(body)
    assert dedup_id == "wechat:1001"
    assert message.customer.id == "o-cust-1" and message.external_id == "1001"
    assert message.text == "杯子漏水，想退货" and message.channel.value == "wechat"
    assert message.raw and "<MsgId>1001</MsgId>" in message.raw


def test_safe_mode_message_is_decrypted() -> None:
    queue = ListQueue()
    body, query = safe_request(text_xml(content="没收到货"))
    wechat.accept(body, query, queue, keys=KEYS)
    assert IntakeMessage.model_validate_json(queue.messages[0][0]).text == "没收到货"


def test_tampered_ciphertext_fails_the_signature_and_enqueues_nothing() -> None:
    queue = ListQueue()
    body, query = safe_request(text_xml())
    start = body.index(b"CDATA[", body.index(b"<Encrypt>")) + 6
    tampered = body[:start] + (b"B" if body[start : start + 1] != b"B" else b"C") + body[start + 1 :]
    with pytest.raises(SignatureInvalid):
        wechat.accept(tampered, query, queue, keys=KEYS)
    assert queue.messages == []


def test_wrong_appid_inside_a_validly_signed_envelope_is_401() -> None:
    queue = ListQueue()
    body, query = safe_request(text_xml(), keys=WeChatKeys("dev-token", AES, "wxotherapp"))
    with pytest.raises(SignatureInvalid):
        wechat.accept(body, query, queue, keys=KEYS)
    assert queue.messages == []


def test_bad_plain_signature_enqueues_nothing() -> None:
    queue = ListQueue()
    with pytest.raises(SignatureInvalid):
        wechat.accept(text_xml().encode(), plain_query("wrong"), queue, keys=KEYS)
    with pytest.raises(SignatureInvalid):
        wechat.accept(text_xml().encode(), {"timestamp": TS, "nonce": NONCE}, queue, keys=KEYS)
    assert queue.messages == []


def test_accounts_can_refuse_plain_mode() -> None:
    strict = WeChatKeys("dev-token", AES, "wxdevappid", require_encryption=True)
    with pytest.raises(SignatureInvalid):
        wechat.accept(text_xml().encode(), plain_query(), ListQueue(), keys=strict)


def test_event_is_enqueued_as_unknown_with_wechats_dedup_key() -> None:
    queue = ListQueue()
    xml = (
        f"<xml><ToUserName>gh_dev</ToUserName><FromUserName>o-cust-9</FromUserName><CreateTime>{TS}</CreateTime>"
        "<MsgType>event</MsgType><Event>subscribe</Event></xml>"
    )
    wechat.accept(xml.encode(), plain_query(), queue, keys=KEYS)
    body, dedup_id = queue.messages[0]
    message = IntakeMessage.model_validate_json(body)
    assert message.event_type == "unknown" and message.platform_event == "subscribe"
    assert dedup_id == f"wechat:o-cust-9:{TS}"


def test_image_and_voice_become_attachments() -> None:
    image = (
        "<xml><FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>image</MsgType>"
        "<PicUrl>http://mmbiz.qpic.cn/x.jpg</PicUrl><MediaId>m1</MediaId><MsgId>7</MsgId></xml>"
    )
    message, _ = wechat.to_intake(wechat.parse_document(image), image)
    assert message.attachments[0].url == "http://mmbiz.qpic.cn/x.jpg"
    voice = (
        "<xml><FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>voice</MsgType>"
        "<MediaId>m2</MediaId><Format>amr</Format><Recognition>我要退款</Recognition><MsgId>8</MsgId></xml>"
    )
    message, _ = wechat.to_intake(wechat.parse_document(voice), voice)
    assert message.text == "我要退款" and message.attachments[0].content_type == "audio/amr"


@pytest.mark.parametrize(
    "body",
    [
        b"<xml><FromUserName>o1",
        b"not xml at all",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>',
        b"<root><a>1</a></root>",
    ],
)
def test_malformed_or_dangerous_xml_is_400(body: bytes) -> None:
    queue = ListQueue()
    with pytest.raises(ValidationFailed):
        wechat.accept(body, plain_query(), queue, keys=KEYS)
    assert queue.messages == []


def test_giant_body_is_413_before_anything_else() -> None:
    with pytest.raises(PayloadTooLarge):
        wechat.accept(b"<xml>" + b"a" * (wechat.MAX_BODY_BYTES + 1), {}, ListQueue(), keys=KEYS)


def test_raw_query_keeps_plus_signs_of_base64() -> None:
    assert wechat.parse_query("echostr=ab+c%2Bd%3D&nonce=1") == {"echostr": "ab+c+d=", "nonce": "1"}


def test_json_documents_are_accepted_too() -> None:
    assert wechat.parse_document(json.dumps({"Event": "x"}))["Event"] == "x"
