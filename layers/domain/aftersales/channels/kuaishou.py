"""快手小店 (Kuaishou shop) push: AES-CBC decrypt, optional ``kwaisign``, map after-sale events.

Body = base64(AES-CBC(plaintext)) with key = base64-decode(message secret), IV = 16 zero
bytes, PKCS#5/7 padding (see /work/shared/webhooks.md). CBC has no MAC, so a body that does
not decode, unpad and parse as a JSON object is treated as forged (401), and if the request
carries ``kwaisign`` (md5(raw body + appSecret), the generic 快手 open-platform scheme) it must
match. The shop is chosen by the ``shop`` query parameter of the push URL the merchant
registers (default ``default``); the decrypted ``appKey`` must be that shop's app key.

The status codes and the reply body are unconfirmed: they live in
``data/kuaishou_events.json`` (the handler can override the reply with ``KUAISHOU_PUSH_REPLY``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from aftersales.errors import PayloadTooLarge, SignatureInvalid, ValidationFailed
from aftersales.intake.message import IntakeMessage
from aftersales.models import AftersaleStatus, Channel, Customer, ExternalRefs, ticket_id_for, utcnow
from aftersales.ports import IntakeQueue

MAX_BODY_BYTES = 256 * 1024
SIGN_HEADER = "kwaisign"
ZERO_IV = bytes(16)
_DATA_FILE = Path(__file__).resolve().parent / "data" / "kuaishou_events.json"

CredentialsLookup = Callable[[str, str], dict[str, str]]


@cache
def _table() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_DATA_FILE.read_text(encoding="utf-8"))
    return data


def default_reply() -> dict[str, Any]:
    reply: dict[str, Any] = dict(_table()["reply"])
    return reply


def handling_way(code: Any) -> str | None:
    """1 退货退款, 10 仅退款, 3 换货, 4 补发, 5 维修 -> a stable tag."""
    value: str | None = _table()["handling_way"].get(str(code))
    return value


def status_for(event: str, code: Any) -> AftersaleStatus | None:
    name = _table()["status"].get(str(code)) or _table()["default_status"].get(event)
    return AftersaleStatus(name) if name else None


def _key(message_secret: str) -> bytes:
    key = base64.b64decode(message_secret)
    if len(key) not in (16, 24, 32):
        raise SignatureInvalid("快手 message secret is not a valid AES key")
    return key


def encrypt(plaintext: bytes, message_secret: str) -> bytes:
    """What 快手 sends (used by tests, sample events and the simulator)."""
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(_key(message_secret)), modes.CBC(ZERO_IV)).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize())


def decrypt(raw_body: bytes, message_secret: str) -> dict[str, Any]:
    """Decrypt and parse; any failure means the body was not produced with our secret (401)."""
    try:
        ciphertext = base64.b64decode(raw_body.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid("body is not base64") from None
    if not ciphertext or len(ciphertext) % 16:
        raise SignatureInvalid("ciphertext length is not a multiple of the AES block size")
    decryptor = Cipher(algorithms.AES(_key(message_secret)), modes.CBC(ZERO_IV)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    try:
        unpadder = padding.PKCS7(128).unpadder()
        plaintext = unpadder.update(padded) + unpadder.finalize()
        data = json.loads(plaintext.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise SignatureInvalid("body does not decrypt to JSON with this shop's message secret") from None
    if not isinstance(data, dict):
        raise SignatureInvalid("decrypted body is not a JSON object")
    return data


def verify(raw_body: bytes, headers: Mapping[str, str], creds: Mapping[str, str]) -> dict[str, Any]:
    """Check ``kwaisign`` when present, decrypt, and check the app key; return the plaintext."""
    lowered = {k.lower(): v for k, v in headers.items()}
    sign = (lowered.get(SIGN_HEADER) or "").strip().lower()
    if sign:
        expected = hashlib.md5(raw_body + creds.get("app_secret", "").encode()).hexdigest()
        if not hmac.compare_digest(expected, sign):
            raise SignatureInvalid("kwaisign does not match the body")
    plaintext = decrypt(raw_body, creds.get("message_secret", ""))
    app_key = plaintext.get("appKey")
    if app_key is not None and creds.get("app_key") and str(app_key) != creds["app_key"]:
        raise SignatureInvalid("appKey does not belong to this shop")
    return plaintext


def _str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _millis(value: Any) -> datetime | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(number / 1000, UTC) if number > 0 else None


def to_message(
    plaintext: dict[str, Any],
    shop: str = "default",
    received: datetime | None = None,
    correlation_id: str | None = None,
) -> IntakeMessage:
    event = plaintext.get("event")
    if not isinstance(event, str) or not event:
        raise ValidationFailed("decrypted 快手 message has no 'event'")
    when = received or utcnow()
    message_id = _str(plaintext.get("msgId")) or _str(plaintext.get("eventId"))
    if not message_id:
        raise ValidationFailed("decrypted 快手 message has neither msgId nor eventId")
    raw = json.dumps(plaintext, ensure_ascii=False)
    seller = _str(plaintext.get("userId"))
    if event in _table()["aftersale_events"]:
        try:
            info = plaintext.get("info")
            details = json.loads(info) if isinstance(info, str) else info
            if not isinstance(details, dict):
                raise ValueError("info is not a JSON object")
            refund_id = _str(details.get("refundId"))
            if not refund_id:
                raise ValueError("refundId missing")
            order_id = _str(details.get("orderId"))
            way = handling_way(details.get("handlingWay"))
            return IntakeMessage(
                ticket_id=ticket_id_for(Channel.KUAISHOU.value, refund_id),
                channel=Channel.KUAISHOU,
                external_id=refund_id,
                event_type="aftersale",
                platform_event=event,
                aftersale_status=status_for(event, details.get("status")),
                occurred_at=_millis(details.get("updateTime"))
                or _millis(plaintext.get("updateTime"))
                or _millis(details.get("createTime")),
                needs_enrichment=True,  # no buyer, items or amounts in the push
                received_at=when,
                correlation_id=correlation_id,
                customer=Customer(id=f"kuaishou-pending:{refund_id}"),
                order_id=order_id,
                subject=f"快手售后 {way}" if way else None,
                external=ExternalRefs(
                    message_id=message_id, aftersale_id=refund_id, shop_id=shop, platform_order_id=order_id
                ),
                raw=raw,
            )
        except ValueError:  # incl. JSON and pydantic errors: fall through to unknown, raw kept
            pass
    return IntakeMessage(
        ticket_id=ticket_id_for(Channel.KUAISHOU.value, message_id),
        channel=Channel.KUAISHOU,
        external_id=message_id,
        event_type="unknown",
        platform_event=event,
        occurred_at=_millis(plaintext.get("updateTime")) or _millis(plaintext.get("createTime")),
        received_at=when,
        correlation_id=correlation_id,
        customer=Customer(id=f"kuaishou-shop:{seller or shop}"),
        external=ExternalRefs(message_id=message_id, shop_id=shop),
        raw=raw,
    )


def accept(
    raw_body: bytes,
    headers: Mapping[str, str],
    queue: IntakeQueue,
    credentials: CredentialsLookup,
    shop: str = "default",
    now: datetime | None = None,
    correlation_id: str | None = None,
) -> IntakeMessage:
    if len(raw_body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body is {len(raw_body)} bytes; the limit is {MAX_BODY_BYTES}")
    if not raw_body.strip():
        raise ValidationFailed("empty body")
    creds = credentials(Channel.KUAISHOU.value, shop)
    plaintext = verify(raw_body, headers, creds)
    message = to_message(plaintext, shop, now, correlation_id)
    queue.send(message.model_dump_json(), dedup_id=f"kuaishou:{message.external.message_id}")
    return message
