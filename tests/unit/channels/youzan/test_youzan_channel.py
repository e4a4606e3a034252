"""有赞 push: header signature, URL-encoded msg, yuan→fen, version ordering, unknown types."""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from aftersales.adapters.credentials import find_shop
from aftersales.channels import youzan
from aftersales.errors import PayloadTooLarge, SignatureInvalid, ValidationFailed
from aftersales.models import AftersaleStatus, ticket_id_for
from aftersales.ports import IntakeQueue

EVENTS = Path(__file__).resolve().parents[4] / "events" / "intake_youzan"


class ListQueue(IntakeQueue):
    def __init__(self) -> None:
        self.sent: list[tuple[dict[str, Any], str]] = []

    def send(self, body: str, dedup_id: str) -> None:
        self.sent.append((json.loads(body), dedup_id))


def event(name: str) -> tuple[bytes, dict[str, str]]:
    doc = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return doc["raw_body"].encode(), doc["headers"]


def signed(body: bytes, client_id: str = "dev-client-id", secret: str = "dev-secret") -> dict[str, str]:
    return {"Client-Id": client_id, "Event-Sign": hashlib.md5(client_id.encode() + body + secret.encode()).hexdigest()}


def test_buyer_created_becomes_an_aftersale() -> None:
    body, headers = event("valid")
    queue = ListQueue()
    message = youzan.accept(body, headers, queue, find_shop)
    assert message.event_type == "aftersale"
    assert message.external_id == "201123190000000001"
    assert message.ticket_id == ticket_id_for("youzan", "201123190000000001")
    assert message.aftersale_status is AftersaleStatus.APPLIED
    assert message.order_amount_fen == 5990
    assert message.order_id == "E20261123190000012345678"
    assert message.items[0].sku_order_id == "1471234567890123"
    assert message.text == "尺码不合适，想退货"
    assert message.external.shop_id == "default"
    assert message.needs_enrichment
    assert message.occurred_at is not None and int(message.occurred_at.timestamp() * 1000) == 1763895600000
    assert queue.sent[0][1] == "youzan:yz-msg-0001"


def test_seller_refused_and_versions_order_events() -> None:
    later = youzan.accept(*event("seller_refused"), ListQueue(), find_shop)
    late_low = youzan.accept(*event("out_of_order"), ListQueue(), find_shop)
    first = youzan.accept(*event("valid"), ListQueue(), find_shop)
    assert later.aftersale_status is AftersaleStatus.REFUND_REFUSED
    assert {later.ticket_id, late_low.ticket_id, first.ticket_id} == {first.ticket_id}
    assert late_low.occurred_at < first.occurred_at < later.occurred_at  # type: ignore[operator]


def test_update_time_is_beijing_time_when_version_is_not_a_timestamp() -> None:
    when = youzan.occurred_at(3, "2026-11-23 08:00:00")
    assert when is not None and when.isoformat() == "2026-11-23T00:00:00+00:00"


def test_mapping_table_is_data_and_contains_the_confirmed_names() -> None:
    events = youzan.aftersale_events()
    assert events["trade_refund_BuyerCreated"] is AftersaleStatus.APPLIED
    assert events["trade_refund_RefundSellerRefuse"] is AftersaleStatus.REFUND_REFUSED


def test_body_sign_field_is_ignored_header_is_what_counts() -> None:
    body, headers = event("bad_signature")
    queue = ListQueue()
    with pytest.raises(SignatureInvalid):
        youzan.accept(body, headers, queue, find_shop)
    assert queue.sent == []


def test_unknown_client_id_is_rejected() -> None:
    body, _ = event("valid")
    with pytest.raises(SignatureInvalid):
        youzan.accept(body, signed(body, client_id="other"), ListQueue(), find_shop)
    with pytest.raises(SignatureInvalid):
        youzan.accept(body, {}, ListQueue(), find_shop)


def test_malformed_and_oversized() -> None:
    body, headers = event("malformed")
    with pytest.raises(ValidationFailed):
        youzan.accept(body, headers, ListQueue(), find_shop)
    array = b"[1]"
    with pytest.raises(ValidationFailed):
        youzan.accept(array, signed(array), ListQueue(), find_shop)
    giant = b"{" + b" " * youzan.MAX_BODY_BYTES + b"}"
    with pytest.raises(PayloadTooLarge):
        youzan.accept(giant, signed(giant), ListQueue(), find_shop)


def test_unknown_type_is_kept_raw() -> None:
    message = youzan.accept(*event("unknown_type"), ListQueue(), find_shop)
    assert message.event_type == "unknown"
    assert message.platform_event == "trade_TradeCreate"
    assert message.raw


def test_refund_event_with_undecodable_msg_is_unknown_not_lost() -> None:
    body = json.dumps({"type": "trade_refund_BuyerCreated", "msg_id": "m9", "msg": "%7Bbroken"}).encode()
    message = youzan.accept(body, signed(body), ListQueue(), find_shop)
    assert message.event_type == "unknown"
    assert message.external.message_id == "m9"


def test_bad_fee_is_unknown_not_a_crash() -> None:
    msg = urllib.parse.quote(json.dumps({"refund_id": "r1", "refunded_fee": "abc"}))
    body = json.dumps({"type": "trade_refund_BuyerCreated", "msg_id": "m10", "msg": msg}).encode()
    assert youzan.accept(body, signed(body), ListQueue(), find_shop).event_type == "unknown"
