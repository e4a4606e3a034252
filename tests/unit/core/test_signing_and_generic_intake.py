from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from aftersales.errors import PayloadTooLarge, SignatureInvalid, ValidationFailed
from aftersales.intake import generic, signing
from aftersales.intake.message import IntakeMessage
from aftersales.models import Channel, ticket_id_for
from fakes import ListQueue

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
BODY = json.dumps(
    {
        "external_id": "form-1",
        "customer": {"id": "c1", "name": "李四", "phone": "13900001111"},
        "order_id": "O-9",
        "text": "收到的杯子碎了",
    },
    ensure_ascii=False,
).encode()


def _headers(body: bytes = BODY, secret: str = "dev-secret", t: int | None = None) -> dict[str, str]:
    return {"X-Aftersales-Signature": signing.sign(body, secret, int(t or NOW.timestamp()))}


def test_valid_request_is_enqueued_with_its_future_ticket_id() -> None:
    queue = ListQueue()
    accepted = generic.accept(Channel.WEB, BODY, _headers(), ["dev-secret"], queue, now=NOW)
    assert accepted.ticket_id == ticket_id_for("web", "form-1")
    body, dedup = queue.messages[0]
    message = IntakeMessage.model_validate_json(body)
    assert message.ticket_id == accepted.ticket_id and message.text == "收到的杯子碎了"
    assert message.raw == BODY.decode()
    assert dedup == "web:form-1"


def test_rotated_secrets_are_accepted() -> None:
    generic.accept(Channel.WEB, BODY, _headers(secret="old"), ["new", "old"], ListQueue(), now=NOW)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing"),
        ({"X-Aftersales-Signature": "garbage"}, "t=<unix seconds>"),
        ({"X-Aftersales-Signature": "t=abc,v1=00"}, "not an integer"),
        (_headers(secret="wrong"), "does not match"),
        (_headers(t=int(NOW.timestamp()) - 301), "tolerance"),
    ],
)
def test_bad_signatures_are_rejected_and_nothing_is_enqueued(headers: dict[str, str], reason: str) -> None:
    queue = ListQueue()
    with pytest.raises(SignatureInvalid, match=reason):
        generic.accept(Channel.WEB, BODY, headers, ["dev-secret"], queue, now=NOW)
    assert queue.messages == []


def test_one_flipped_byte_in_the_body_breaks_the_signature() -> None:
    tampered = BODY.replace("碎".encode(), "好".encode())
    with pytest.raises(SignatureInvalid):
        generic.accept(Channel.WEB, tampered, _headers(), ["dev-secret"], ListQueue(), now=NOW)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", None),
        (b"[1,2]", None),
        (json.dumps({"customer": {"id": "c"}, "text": "x"}).encode(), "external_id"),
        (json.dumps({"external_id": "e", "customer": {"id": "c"}, "text": ""}).encode(), "text"),
        (json.dumps({"external_id": "e", "text": "x"}).encode(), "customer"),
    ],
)
def test_malformed_bodies_say_what_is_wrong(body: bytes, field: str | None) -> None:
    queue = ListQueue()
    with pytest.raises(ValidationFailed) as err:
        generic.accept(Channel.WEB, body, _headers(body), ["dev-secret"], queue, now=NOW)
    if field:
        assert field in json.dumps(err.value.to_dict())
    assert queue.messages == []


def test_oversized_body_is_413_before_anything_else() -> None:
    big = b"x" * (generic.MAX_BODY_BYTES + 1)
    with pytest.raises(PayloadTooLarge):
        generic.accept(Channel.WEB, big, {}, ["dev-secret"], ListQueue(), now=NOW)
