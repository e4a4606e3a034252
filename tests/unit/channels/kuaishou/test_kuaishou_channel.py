"""快手小店 push: AES-CBC decryption, optional kwaisign, app key, event mapping."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from aftersales.adapters.credentials import channel_credentials
from aftersales.channels import kuaishou
from aftersales.errors import PayloadTooLarge, SignatureInvalid, ValidationFailed
from aftersales.models import AftersaleStatus, ticket_id_for
from aftersales.ports import IntakeQueue

EVENTS = Path(__file__).resolve().parents[4] / "events" / "intake_kuaishou"
SECRET = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="


class ListQueue(IntakeQueue):
    def __init__(self) -> None:
        self.sent: list[tuple[dict[str, Any], str]] = []

    def send(self, body: str, dedup_id: str) -> None:
        self.sent.append((json.loads(body), dedup_id))


def event(name: str) -> tuple[bytes, dict[str, str]]:
    doc = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return doc["raw_body"].encode(), doc["headers"]


def encrypted(plaintext: dict[str, Any]) -> bytes:
    return kuaishou.encrypt(json.dumps(plaintext).encode(), SECRET)


def test_decrypt_matches_the_documented_scheme() -> None:
    """Independent check: AES key is the base64-decoded secret, IV zero, PKCS#5 padding."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    body = encrypted({"a": 1})
    raw = base64.b64decode(body)
    plain = Cipher(algorithms.AES(base64.b64decode(SECRET)), modes.CBC(bytes(16))).decryptor().update(raw)
    assert plain == b'{"a": 1}' + bytes([8]) * 8
    assert kuaishou.decrypt(body, SECRET) == {"a": 1}


def test_add_refund_becomes_an_aftersale() -> None:
    body, headers = event("valid")
    queue = ListQueue()
    message = kuaishou.accept(body, headers, queue, channel_credentials)
    assert message.event_type == "aftersale"
    assert message.external_id == "3311234567890"
    assert message.ticket_id == ticket_id_for("kuaishou", "3311234567890")
    assert message.order_id == "2211234567890"
    assert message.aftersale_status is AftersaleStatus.APPLIED
    assert message.subject == "快手售后 return_refund"
    assert message.needs_enrichment
    assert message.external.shop_id == "default"
    assert queue.sent[0][1] == "kuaishou:ks-msg-0001"


def test_update_refund_maps_status_and_same_ticket() -> None:
    first = kuaishou.accept(*event("valid"), ListQueue(), channel_credentials)
    later = kuaishou.accept(*event("refund_succeeded"), ListQueue(), channel_credentials)
    assert later.ticket_id == first.ticket_id
    assert later.aftersale_status is AftersaleStatus.REFUND_SUCCEEDED
    assert first.occurred_at < later.occurred_at  # type: ignore[operator]


@pytest.mark.parametrize(
    ("way", "tag"), [(1, "return_refund"), (10, "refund_only"), (3, "exchange"), (4, "reship"), (5, "repair")]
)
def test_handling_way(way: int, tag: str) -> None:
    assert kuaishou.handling_way(way) == tag


def test_unlisted_status_on_update_keeps_status() -> None:
    assert kuaishou.status_for("kwaishop_aftersales_updateRefund", 12345) is None


def test_wrong_secret_or_tampered_body_is_rejected() -> None:
    queue = ListQueue()
    with pytest.raises(SignatureInvalid):
        kuaishou.accept(*event("bad_signature"), queue, channel_credentials)
    body, headers = event("refund_succeeded")
    raw = bytearray(base64.b64decode(body))
    raw[-1] ^= 0x01
    with pytest.raises(SignatureInvalid):
        kuaishou.accept(base64.b64encode(bytes(raw)), headers, queue, channel_credentials)
    with pytest.raises(SignatureInvalid):
        kuaishou.accept(*event("malformed"), queue, channel_credentials)
    assert queue.sent == []


def test_kwaisign_is_verified_when_present() -> None:
    body, headers = event("valid")
    with pytest.raises(SignatureInvalid):
        kuaishou.accept(
            body, {**headers, "kwaisign": hashlib.md5(body + b"x").hexdigest()}, ListQueue(), channel_credentials
        )


def test_wrong_app_key_and_unknown_shop() -> None:
    body = encrypted({"msgId": "m", "event": "x", "appKey": "not-ours"})
    with pytest.raises(SignatureInvalid):
        kuaishou.accept(body, {}, ListQueue(), channel_credentials)
    with pytest.raises(SignatureInvalid):
        kuaishou.accept(*event("valid"), ListQueue(), channel_credentials, shop="nope")


def test_decrypted_but_not_a_message_is_400_and_empty_is_400() -> None:
    with pytest.raises(ValidationFailed):
        kuaishou.accept(encrypted({"msgId": "m"}), {}, ListQueue(), channel_credentials)
    with pytest.raises(ValidationFailed):
        kuaishou.accept(b"", {}, ListQueue(), channel_credentials)


def test_oversized_is_413() -> None:
    with pytest.raises(PayloadTooLarge):
        kuaishou.accept(b"A" * (kuaishou.MAX_BODY_BYTES + 4), {}, ListQueue(), channel_credentials)


def test_unknown_event_and_broken_info_are_kept_as_unknown() -> None:
    message = kuaishou.accept(*event("unknown_event"), ListQueue(), channel_credentials)
    assert message.event_type == "unknown" and message.raw
    broken = encrypted({"msgId": "m2", "event": "kwaishop_aftersales_addRefund", "info": "{oops"})
    assert kuaishou.accept(broken, {}, ListQueue(), channel_credentials).event_type == "unknown"
