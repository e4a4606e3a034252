"""Inbound email parsing: charsets, encoded subjects, HTML-only, quoted replies, threading, broken MIME."""

from __future__ import annotations

from pathlib import Path

import pytest

from aftersales.channels import email as em
from aftersales.ports import RawArchive

SAMPLES = Path(__file__).resolve().parents[4] / "events" / "intake_email"


def _load(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def test_gbk_body_and_gbk_encoded_subject_and_sender() -> None:
    m = em.to_intake(_load("gbk_plain.eml"))
    assert m.event_type == "message"
    assert m.subject == "电饭煲内胆有划痕"
    assert m.text.startswith("你好，我买的电饭煲收到时内胆有划痕")
    assert m.customer.id == "email:zhangsan@example.cn" and m.customer.name == "张三"
    assert m.customer.email == "zhangsan@example.cn"
    assert m.external_id == m.external.message_id == "gbk-0001@mail.example.cn"
    assert m.occurred_at is not None and m.occurred_at.utcoffset() is not None


def test_gb2312_label_with_gbk_only_characters_still_decodes() -> None:
    body = "镕 — 这个字不在 GB2312 里".encode("gbk")
    raw = b"From: a@b.cn\nMessage-ID: <x@b.cn>\nContent-Type: text/plain; charset=gb2312\n\n" + body
    assert em.to_intake(raw).text == "镕 — 这个字不在 GB2312 里"


def test_rfc2047_subject_and_attachment_listed() -> None:
    m = em.to_intake(_load("encoded_subject_attachment.eml"))
    assert m.subject == "退款申请 / refund request"
    assert m.text == "衣服尺码不对，申请退款，照片见附件。"
    [att] = m.attachments
    assert (att.name, att.content_type) == ("照片.jpg", "image/jpeg")


def test_attachments_are_archived_when_an_archive_is_given() -> None:
    class MemoryArchive(RawArchive):
        def __init__(self) -> None:
            self.objects: dict[str, tuple[bytes, str]] = {}

        def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> str:
            self.objects[key] = (body, content_type)
            return f"s3://archive/{key}"

    archive = MemoryArchive()
    m = em.to_intake(_load("encoded_subject_attachment.eml"), archive)
    [(key, (body, ctype))] = archive.objects.items()
    assert body.startswith(b"\xff\xd8") and ctype == "image/jpeg"
    assert m.attachments[0].url == f"s3://archive/{key}" and key.endswith(".jpg")


def test_html_only_mail_becomes_text() -> None:
    m = em.to_intake(_load("html_only.eml"))
    assert "快递显示已签收，但我没有收到&包裹。" in m.text and "订单：O20241111009" in m.text
    assert "<" not in m.text and "alert" not in m.text and "color" not in m.text


def test_reply_strips_the_quote_and_joins_the_thread_root() -> None:
    first = em.to_intake(_load("gbk_plain.eml"))
    reply = em.to_intake(_load("reply_with_quote.eml"))
    assert reply.text == "好的，我明天寄回。"
    assert reply.external_id == "gbk-0001@mail.example.cn" and reply.ticket_id == first.ticket_id
    assert reply.external.message_id == "reply-0004@mail.example.cn"
    assert em.dedup_id(reply) != em.dedup_id(first)


def test_wrapped_english_attribution_is_stripped_and_in_reply_to_threads() -> None:
    m = em.to_intake(_load("reply_english_wrapped.eml"))
    assert m.text == "Still waiting for the refund."
    assert m.external_id == "en-0000@example.org"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("谢谢\n\n-----原始邮件-----\n发件人: x", "谢谢"),
        ("ok\nOn Mon, 1 Jan 2024 at 10:00, Bob <b@x.y> wrote:\n> hi", "ok"),
        ("收到\n在 2024年1月1日 周一 10:00，客服 写道：\n> 你好", "收到"),
        ("a\n> quoted\nb", "a\nb"),
        ("fine\n-----Original Message-----\nFrom: x", "fine"),
    ],
)
def test_strip_quoted(text: str, kept: str) -> None:
    assert em.strip_quoted(text) == kept


def test_broken_mime_without_sender_is_unknown_with_raw_kept() -> None:
    raw = _load("broken_mime.eml")
    m = em.to_intake(raw)
    assert m.event_type == "unknown" and m.raw and "never-appears" in m.raw


def test_broken_multipart_with_sender_is_unknown() -> None:
    raw = (
        b"From: c@d.cn\nMessage-ID: <b2@d.cn>\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="zz"\n\nno boundary here at all\n'
    )
    m = em.to_intake(raw)
    assert m.event_type == "unknown" and "broken MIME" in m.text and m.external_id == "b2@d.cn"


@pytest.mark.parametrize("raw", [b"", b"\x00\xff\xfe" * 100, b"From: =?x?Q?\xff?=\n\n", b"Subject: " + b"A" * 100_000])
def test_garbage_never_raises(raw: bytes) -> None:
    m = em.to_intake(raw)
    assert m.event_type in {"unknown", "message"} and m.raw is not None
    assert len(m.raw) <= em.MAX_RAW + 200
