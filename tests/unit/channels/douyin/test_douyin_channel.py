"""抖店 push: signature, array splitting, tag mapping, bad elements kept as unknown."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from aftersales.adapters.credentials import find_shop
from aftersales.channels import douyin
from aftersales.errors import PayloadTooLarge, SignatureInvalid, ValidationFailed
from aftersales.intake.message import IntakeMessage
from aftersales.models import AftersaleStatus, ticket_id_for
from aftersales.ports import IntakeQueue

EVENTS = Path(__file__).resolve().parents[4] / "events" / "intake_douyin"


class ListQueue(IntakeQueue):
    def __init__(self) -> None:
        self.sent: list[tuple[dict[str, Any], str]] = []

    def send(self, body: str, dedup_id: str) -> None:
        self.sent.append((json.loads(body), dedup_id))


def signed(body: bytes, key: str = "dev-app-key", secret: str = "dev-secret") -> dict[str, str]:
    return {"app-id": key, "event-sign": hashlib.md5(key.encode() + body + secret.encode()).hexdigest()}


def event(name: str) -> tuple[bytes, dict[str, str]]:
    doc = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return doc["raw_body"].encode(), doc["headers"]


def item(tag: str, msg_id: str, **data: Any) -> dict[str, Any]:
    return {"tag": tag, "msg_id": msg_id, "data": json.dumps(data)}


def test_valid_tag_200_becomes_an_aftersale_needing_enrichment() -> None:
    body, headers = event("valid_tag200")
    queue = ListQueue()
    [message] = douyin.accept(body, headers, queue, find_shop)
    assert message.event_type == "aftersale"
    assert message.external_id == "7123456789012345678"
    assert message.ticket_id == ticket_id_for("douyin", "7123456789012345678")
    assert message.external.message_id == "7300000000000000001"
    assert message.external.shop_id == "default"  # our credentials key; 88001 stays in raw
    assert message.order_id == "4912345678901234567"
    assert message.items[0].sku_order_id == "4912345678901234568"
    assert message.order_amount_fen == 12900
    assert message.aftersale_status is AftersaleStatus.APPLIED
    assert message.needs_enrichment is True
    assert message.occurred_at is not None and int(message.occurred_at.timestamp()) == 1763900000
    assert message.raw and "aftersale_id" in message.raw
    [(sent, dedup)] = queue.sent
    assert dedup == "douyin:7300000000000000001"
    assert IntakeMessage.model_validate(sent) == message


def test_tag_206_maps_to_same_ticket_and_refund_succeeded() -> None:
    body, headers = event("tag206_same_aftersale")
    [message] = douyin.accept(body, headers, ListQueue(), find_shop)
    assert message.ticket_id == ticket_id_for("douyin", "7123456789012345678")
    assert message.aftersale_status is AftersaleStatus.REFUND_SUCCEEDED
    assert int(message.occurred_at.timestamp()) == 1763990000  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("tag", "status"),
    [
        ("201", AftersaleStatus.REFUND_AGREED),
        ("207", AftersaleStatus.CLOSED),
        ("209", None),
        ("211", AftersaleStatus.EXCHANGE_RESHIPPED),
        ("212", AftersaleStatus.ARBITRATION),
    ],
)
def test_tag_mapping(tag: str, status: AftersaleStatus | None) -> None:
    [message] = douyin.parse(json.dumps([item(tag, "m1", aftersale_id=1, p_id=2)]).encode())
    assert message.event_type == "aftersale"
    assert message.aftersale_status == status


def test_forged_signature_is_rejected_and_nothing_enqueued() -> None:
    body, headers = event("bad_signature")
    queue = ListQueue()
    with pytest.raises(SignatureInvalid):
        douyin.accept(body, headers, queue, find_shop)
    assert queue.sent == []


def test_signature_is_compared_case_insensitively() -> None:
    body, headers = event("valid_tag200")
    headers = {**headers, "event-sign": headers["event-sign"].upper()}
    assert len(douyin.accept(body, headers, ListQueue(), find_shop)) == 1


def test_unknown_app_key_and_missing_headers_are_rejected() -> None:
    body = json.dumps([item("200", "m1", aftersale_id=1)]).encode()
    queue = ListQueue()
    with pytest.raises(SignatureInvalid):
        douyin.accept(body, signed(body, key="someone-else"), queue, find_shop)
    with pytest.raises(SignatureInvalid):
        douyin.accept(body, {}, queue, find_shop)
    assert queue.sent == []


def test_malformed_body_is_400_and_nothing_enqueued() -> None:
    body, headers = event("malformed")
    queue = ListQueue()
    with pytest.raises(ValidationFailed):
        douyin.accept(body, headers, queue, find_shop)
    body = b'{"tag":"200"}'
    with pytest.raises(ValidationFailed):
        douyin.accept(body, signed(body), queue, find_shop)
    assert queue.sent == []


def test_giant_body_is_413() -> None:
    body = b"[" + b" " * (douyin.MAX_BODY_BYTES + 1) + b"]"
    with pytest.raises(PayloadTooLarge):
        douyin.accept(body, signed(body), ListQueue(), find_shop)


def test_order_tags_and_unknown_tags_are_kept_as_unknown() -> None:
    body = json.dumps([item("101", "m-order", p_id=5), item("999", "m-new", x=1)]).encode()
    queue = ListQueue()
    messages = douyin.accept(body, signed(body), queue, find_shop)
    assert [m.event_type for m in messages] == ["unknown", "unknown"]
    assert [m.platform_event for m in messages] == ["101", "999"]
    assert [d for _, d in queue.sent] == ["douyin:m-order", "douyin:m-new"]
    assert all(m.raw for m in messages)


def test_one_bad_element_does_not_lose_the_others() -> None:
    body, headers = event("mixed_batch")
    queue = ListQueue()
    messages = douyin.accept(body, headers, queue, find_shop)
    assert [m.event_type for m in messages] == ["aftersale", "unknown", "unknown"]
    assert messages[2].raw is not None and "{not json" in messages[2].raw
    assert len(queue.sent) == 3


def test_non_object_elements_become_unknown_with_a_content_key() -> None:
    messages = douyin.parse(b'["just a string", 42, {"tag": "200"}]')
    assert [m.event_type for m in messages] == ["unknown"] * 3
    assert len({m.external_id for m in messages}) == 3
