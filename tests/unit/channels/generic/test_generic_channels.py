"""Web chat, SMS, call-centre transcripts and partners on our own signing scheme."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aftersales.channels import generic_channels
from aftersales.errors import NotFound, PayloadTooLarge, SignatureInvalid, ValidationFailed
from aftersales.intake.signing import sign
from aftersales.models import Channel, ticket_id_for
from aftersales.ports import IntakeQueue

EVENTS = Path(__file__).resolve().parents[4] / "events" / "intake_generic"
SECRETS = ["dev-secret"]


class ListQueue(IntakeQueue):
    def __init__(self) -> None:
        self.sent: list[tuple[dict[str, Any], str]] = []

    def send(self, body: str, dedup_id: str) -> None:
        self.sent.append((json.loads(body), dedup_id))


def sample(name: str) -> tuple[str, bytes, dict[str, str]]:
    doc = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    raw = doc["raw_body"].encode()
    headers = {"x-aftersales-signature": sign(raw, doc.get("secret", "dev-secret"))}
    return doc["route"].split(" ", 1)[1], raw, headers


@pytest.mark.parametrize(
    ("name", "channel"),
    [("webchat_valid", Channel.WEBCHAT), ("sms_valid", Channel.SMS), ("partner_valid", Channel.PARTNER)],
)
def test_channel_comes_from_the_path(name: str, channel: Channel) -> None:
    path, raw, headers = sample(name)
    queue = ListQueue()
    resolved, accepted = generic_channels.accept(path, raw, headers, SECRETS, queue)
    assert resolved is channel
    body, dedup = queue.sent[0]
    assert body["channel"] == channel.value
    assert dedup == f"{channel.value}:{accepted.external_id}"
    assert accepted.ticket_id == ticket_id_for(channel.value, accepted.external_id)


def test_phone_transcript_text_is_the_customer_turns() -> None:
    path, raw, headers = sample("phone_transcript")
    queue = ListQueue()
    resolved, _ = generic_channels.accept(path, raw, headers, SECRETS, queue)
    assert resolved is Channel.PHONE
    body, dedup = queue.sent[0]
    assert body["text"] == "我买的吹风机用了两天就坏了\no-9001，我要换货"
    assert "请问订单号" in body["raw"]
    assert dedup == "phone:call-0001"


def test_phone_without_turns_behaves_like_generic() -> None:
    raw = json.dumps({"external_id": "c9", "customer": {"id": "c"}, "text": "坏了"}).encode()
    queue = ListQueue()
    generic_channels.accept(
        "/v1/intake/phone", raw, {"x-aftersales-signature": sign(raw, "dev-secret")}, SECRETS, queue
    )
    assert queue.sent[0][0]["text"] == "坏了"


def test_phone_needs_a_customer_turn_or_text() -> None:
    path, raw, headers = sample("phone_no_customer_turn")
    with pytest.raises(ValidationFailed):
        generic_channels.accept(path, raw, headers, SECRETS, ListQueue())


def test_forged_malformed_oversized_unknown_path() -> None:
    queue = ListQueue()
    path, raw, headers = sample("bad_signature")
    with pytest.raises(SignatureInvalid):
        generic_channels.accept(path, raw, headers, SECRETS, queue)
    path, raw, headers = sample("malformed")
    with pytest.raises(ValidationFailed):
        generic_channels.accept(path, raw, headers, SECRETS, queue)
    big = b"{" + b" " * (200 * 1024) + b"}"
    with pytest.raises(PayloadTooLarge):
        generic_channels.accept(
            "/v1/intake/phone", big, {"x-aftersales-signature": sign(big, "dev-secret")}, SECRETS, queue
        )
    with pytest.raises(NotFound):
        generic_channels.accept("/v1/intake/fax", b"{}", {}, SECRETS, queue)
    assert queue.sent == []


def test_forged_phone_transcript_is_rejected_before_parsing() -> None:
    path, raw, _ = sample("phone_transcript")
    with pytest.raises(SignatureInvalid):
        generic_channels.accept(path, raw, {"x-aftersales-signature": sign(raw, "wrong")}, SECRETS, ListQueue())
