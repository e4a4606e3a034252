"""微信公众号 (WeChat Official Account) intake, plus the WeChat transport shared by WeCom and 微信小店.

Transport (https://developers.weixin.qq.com, "消息加解密"):

* URL check (GET): ``sha1(sorted(token, timestamp, nonce)) == signature`` → answer ``echostr``.
* Plain mode (明文模式) POST: same signature over the query; the body is NOT signed, so plain mode
  only proves the sender knows the token. Set ``require_encryption: "true"`` in the shop's
  credentials to accept safe mode only.
* Safe mode (安全模式, ``encrypt_type=aes``): ``msg_signature = sha1(sorted(token, timestamp, nonce,
  Encrypt))``; AES-256-CBC, key = b64decode(EncodingAESKey + "="), IV = key[:16]; plaintext =
  16 random bytes | 4-byte length | XML | AppID (the receive id, which must match).

WeChat documents no timestamp tolerance, so we do not reject old timestamps (a retried push
carries its original timestamp); replays are absorbed by de-duplication on MsgId instead.
Signatures are compared in constant time; decryption uses ``wechatpy``'s PrpCrypto.

Ticket mapping ("one problem, one ticket" for chat): ``external_id`` is the WeChat MsgId, so
each message is its own delivery; triage merges a customer's follow-up messages into that
customer's open ticket (customer id = OpenID), which is how a chat conversation becomes one
ticket without the edge having to know which messages belong together.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aftersales.adapters.credentials import channel_credentials
from aftersales.errors import PayloadTooLarge, SignatureInvalid, ValidationFailed
from aftersales.intake.message import IntakeMessage
from aftersales.models import Attachment, Channel, Customer, ExternalRefs, ticket_id_for, utcnow
from aftersales.ports import IntakeQueue

MAX_BODY_BYTES = 64 * 1024  # WeChat messages are small; anything bigger is not WeChat
SUCCESS = "success"  # the reply WeChat expects when we send no passive reply


@dataclass(frozen=True)
class WeChatKeys:
    """What one WeChat-family account shares with us: token, EncodingAESKey, receive id."""

    token: str
    encoding_aes_key: str
    receive_id: str  # AppID (公众号/小店) or CorpID (企业微信)
    require_encryption: bool = False

    @classmethod
    def for_channel(cls, channel: str, shop: str, id_field: str) -> WeChatKeys:
        creds = channel_credentials(channel, shop)
        return cls(
            token=creds["token"],
            encoding_aes_key=creds["encoding_aes_key"],
            receive_id=creds[id_field],
            require_encryption=creds.get("require_encryption", "").lower() == "true",
        )


@dataclass(frozen=True)
class Accepted:
    ticket_id: str
    external_id: str
    event_type: str


# --- transport -------------------------------------------------------------------------


def sha1_signature(*parts: str) -> str:
    """WeChat's signature: sha1 of the lexicographically sorted parts, concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def check_signature(given: str | None, *parts: str) -> None:
    if not given:
        raise SignatureInvalid("missing WeChat signature")
    if not hmac.compare_digest(sha1_signature(*parts).encode(), given.strip().lower().encode()):
        raise SignatureInvalid("WeChat signature does not match")


def parse_query(raw_query: str | None, fallback: Mapping[str, str] | None = None) -> dict[str, str]:
    """Percent-decode the raw query ourselves: a literal ``+`` in base64 must not become a space."""
    if raw_query:
        params: dict[str, str] = {}
        for pair in raw_query.split("&"):
            key, _, value = pair.partition("=")
            if key:
                params[urllib.parse.unquote(key)] = urllib.parse.unquote(value)
        return params
    return dict(fallback or {})


def _key_bytes(encoding_aes_key: str) -> bytes:
    key = base64.b64decode(encoding_aes_key + "=")
    if len(key) != 32:
        raise ValueError("EncodingAESKey must be 43 base64 characters (32 bytes)")
    return key


def decrypt(encrypt: str, keys: WeChatKeys) -> str:
    """Decrypt an ``Encrypt`` value; a wrong key, tampering or a foreign receive id → 401."""
    from wechatpy.crypto.base import BasePrpCrypto

    try:
        return str(BasePrpCrypto(_key_bytes(keys.encoding_aes_key))._decrypt(encrypt, keys.receive_id))
    except Exception:
        raise SignatureInvalid("encrypted message could not be decrypted for this account") from None


def encrypt(plaintext: str, keys: WeChatKeys) -> str:
    """The inverse of :func:`decrypt` (tests, sample events, the simulator)."""
    from wechatpy.crypto.base import BasePrpCrypto

    return bytes(BasePrpCrypto(_key_bytes(keys.encoding_aes_key))._encrypt(plaintext, keys.receive_id)).decode()


def _element_to_value(element: ET.Element) -> Any:
    children = list(element)
    if not children:
        return element.text or ""
    result: dict[str, Any] = {}
    for child in children:
        value = _element_to_value(child)
        if child.tag in result:  # repeated element → list
            existing = result[child.tag]
            result[child.tag] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            result[child.tag] = value
    return result


def parse_document(raw: bytes | str) -> dict[str, Any]:
    """Parse a WeChat ``<xml>…</xml>`` (or JSON, which 微信小店 may be configured to send) → dict."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    stripped = text.lstrip("\ufeff").strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(f"body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ValidationFailed("body must be a JSON object")
        return data
    upper = stripped[:512].upper()
    if "<!DOCTYPE" in upper or "<!ENTITY" in upper:
        raise ValidationFailed("DTDs and entities are not accepted")
    try:
        root = ET.fromstring(stripped)
    except ET.ParseError as exc:
        raise ValidationFailed(f"body is not well-formed XML: {exc}") from None
    if root.tag != "xml":
        raise ValidationFailed("WeChat messages are <xml> documents")
    value = _element_to_value(root)
    return value if isinstance(value, dict) else {}


def verify_url(query: Mapping[str, str], keys: WeChatKeys) -> str:
    """GET URL check (公众号/小店): answer the echostr only if the signature is ours."""
    check_signature(query.get("signature"), keys.token, query.get("timestamp", ""), query.get("nonce", ""))
    echostr = query.get("echostr")
    if not echostr:
        raise ValidationFailed("missing echostr")
    return echostr


def open_envelope(raw_body: bytes, query: Mapping[str, str], keys: WeChatKeys) -> tuple[dict[str, Any], str]:
    """Verify (and in safe mode decrypt) a POSTed message; return its fields and plaintext."""
    if len(raw_body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body is {len(raw_body)} bytes; the limit is {MAX_BODY_BYTES}")
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    encrypted = query.get("encrypt_type", "").lower() == "aes" or "msg_signature" in query
    if not encrypted:
        if keys.require_encryption:
            raise SignatureInvalid("this account accepts safe-mode (encrypt_type=aes) messages only")
        check_signature(query.get("signature"), keys.token, timestamp, nonce)
        text = raw_body.decode("utf-8", errors="replace")
        return parse_document(raw_body), text
    envelope = parse_document(raw_body)
    encrypted_value = envelope.get("Encrypt")
    if not isinstance(encrypted_value, str) or not encrypted_value:
        raise ValidationFailed("safe-mode body has no Encrypt element")
    check_signature(query.get("msg_signature"), keys.token, timestamp, nonce, encrypted_value)
    plaintext = decrypt(encrypted_value, keys)
    return parse_document(plaintext), plaintext


def shop_from_query(query: Mapping[str, str]) -> str:
    """Which merchant account: the callback URL may carry ``?shop=<id>`` (default: ``default``)."""
    shop = query.get("shop") or "default"
    if len(shop) > 64:
        raise ValidationFailed("shop id too long")
    return shop


def created_at(fields: Mapping[str, Any]) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(fields.get("CreateTime"))), UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def text_field(fields: Mapping[str, Any], name: str) -> str:
    value = fields.get(name)
    return value if isinstance(value, str) else ""


# --- 公众号 messages → IntakeMessage ---------------------------------------------------------

_MESSAGE_TYPES = {"text", "image", "voice"}


def to_intake(
    fields: Mapping[str, Any],
    raw: str,
    channel: Channel = Channel.WECHAT,
    received_at: datetime | None = None,
    correlation_id: str | None = None,
    shop: str = "default",
) -> tuple[IntakeMessage, str]:
    """Map a decrypted WeChat message to an IntakeMessage and its de-duplication id.

    ``external.shop_id`` is our shop key (which credentials to use for replies and lookups).
    """
    openid = text_field(fields, "FromUserName")
    if not openid:
        raise ValidationFailed("message has no FromUserName")
    msg_type = text_field(fields, "MsgType")
    msg_id = text_field(fields, "MsgId")
    # Events carry no MsgId: WeChat's documented de-dup key is FromUserName + CreateTime.
    delivery_id = msg_id or f"{openid}:{text_field(fields, 'CreateTime')}"
    external_id = msg_id or delivery_id
    text = ""
    attachments: list[Attachment] = []
    event_type = "message"
    platform_event = msg_type or None
    if msg_type == "text":
        text = text_field(fields, "Content")
    elif msg_type == "image":
        text = "[图片]"
        url = text_field(fields, "PicUrl") or f"wechat-media:{text_field(fields, 'MediaId') or 'unknown'}"
        attachments.append(Attachment(url=url, content_type="image/jpeg"))
    elif msg_type == "voice":
        # Recognition is WeChat's speech-to-text (only when enabled for the account).
        text = text_field(fields, "Recognition") or "[语音]"
        media = text_field(fields, "MediaId") or "unknown"
        fmt = text_field(fields, "Format") or "amr"
        attachments.append(Attachment(url=f"wechat-media:{media}", content_type=f"audio/{fmt}"))
    else:
        event_type = "unknown"
        if msg_type == "event":
            platform_event = text_field(fields, "Event") or "event"
    received = received_at or utcnow()
    message = IntakeMessage(
        ticket_id=ticket_id_for(channel.value, external_id),
        channel=channel,
        external_id=external_id[:256],
        event_type=event_type,
        platform_event=platform_event,
        occurred_at=created_at(fields),
        received_at=received,
        correlation_id=correlation_id,
        customer=Customer(id=openid[:128], platform_user_id=openid[:128]),
        text=text,
        attachments=attachments,
        external=ExternalRefs(message_id=delivery_id, shop_id=shop),
        raw=raw,
    )
    return message, f"{channel.value}:{delivery_id}"


def accept(
    raw_body: bytes,
    query: Mapping[str, str],
    queue: IntakeQueue,
    keys: WeChatKeys | None = None,
    correlation_id: str | None = None,
) -> Accepted:
    """Verify → decrypt → map → enqueue (de-duplicated by the queue); the caller answers ``success``."""
    if len(raw_body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body is {len(raw_body)} bytes; the limit is {MAX_BODY_BYTES}")
    shop = shop_from_query(query)
    keys = keys or WeChatKeys.for_channel(Channel.WECHAT.value, shop, "app_id")
    fields, plaintext = open_envelope(raw_body, query, keys)
    message, dedup_id = to_intake(fields, plaintext, correlation_id=correlation_id, shop=shop)
    queue.send(message.model_dump_json(), dedup_id=dedup_id)
    return Accepted(message.ticket_id, message.external_id, message.event_type)
