"""企业微信 (WeCom) callbacks and 微信客服 (WeChat customer service) message pull.

Transport: the WeChat crypto scheme with the CorpID as receive id (``aftersales.channels.wechat``);
always encrypted. GET answers the decrypted ``echostr`` as bare text; POST answers an empty 200.

微信客服 pushes only ``kf_msg_or_event {Token, OpenKfId}`` with no content. Pulling is slow
(access token + paged ``kf/sync_msg``), so the intake only enqueues a :class:`KfSyncJob` and
acknowledges; the ``kf_sync`` function runs :func:`sync_kf`, which keeps one cursor per
open_kfid in a :class:`CursorStore` and enqueues one IntakeMessage per customer message
(customer id = external_userid, external_id = delivery id = msgid, de-duplicated by the queue).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from aftersales.adapters.credentials import find_shop
from aftersales.channels import wechat
from aftersales.errors import PayloadTooLarge, ValidationFailed
from aftersales.intake.message import IntakeMessage
from aftersales.models import Attachment, Channel, Customer, ExternalRefs, ticket_id_for, utcnow
from aftersales.ports import IntakeQueue

KF_EVENT = "kf_msg_or_event"
CUSTOMER_ORIGIN = 3  # sync_msg origin: 3 = sent by the customer (4 system event, 5 servicer)


class KfSyncJob(BaseModel):
    """What the intake hands to the ``kf_sync`` function: pull this open_kfid's new messages."""

    model_config = ConfigDict(extra="forbid")

    shop: str = "default"
    open_kfid: str = Field(min_length=1, max_length=128)
    token: str | None = Field(default=None, description="Callback token: raises sync_msg limits for 10 min")
    received_at: datetime = Field(default_factory=utcnow)
    correlation_id: str | None = None


@dataclass(frozen=True)
class Accepted:
    kind: str  # "message" | "kf_sync" | "unknown"
    ticket_id: str | None = None


def keys_for(shop: str) -> wechat.WeChatKeys:
    return wechat.WeChatKeys.for_channel(Channel.WECOM.value, shop, "corp_id")


def verify_url(query: Mapping[str, str], keys: wechat.WeChatKeys) -> str:
    """GET URL check: verify over the (URL-decoded) echostr, decrypt it, answer the plaintext."""
    echostr = query.get("echostr", "")
    if not echostr:
        raise ValidationFailed("missing echostr")
    wechat.check_signature(
        query.get("msg_signature"), keys.token, query.get("timestamp", ""), query.get("nonce", ""), echostr
    )
    # No quotes, BOM or newline may surround the answer, or WeCom rejects the URL.
    return wechat.decrypt(echostr, keys).strip().lstrip("\ufeff")


def accept(
    raw_body: bytes,
    query: Mapping[str, str],
    queue: IntakeQueue,
    kf_jobs: IntakeQueue,
    keys: wechat.WeChatKeys | None = None,
    correlation_id: str | None = None,
) -> Accepted:
    """Verify + decrypt; customer messages → intake queue, 微信客服 notifications → kf_sync queue."""
    if len(raw_body) > wechat.MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body is {len(raw_body)} bytes; the limit is {wechat.MAX_BODY_BYTES}")
    shop = wechat.shop_from_query(query)
    if keys is None:
        envelope = wechat.parse_document(raw_body)
        corp_id = wechat.text_field(envelope, "ToUserName")
        shop = find_shop(Channel.WECOM.value, "corp_id", corp_id)[0] if corp_id else shop
        keys = keys_for(shop)
    # Always safe mode: WeCom has no plain mode, so a missing msg_signature is a failure.
    secure_query = {**query, "encrypt_type": "aes"}
    fields, plaintext = wechat.open_envelope(raw_body, secure_query, keys)
    if wechat.text_field(fields, "MsgType") == "event" and wechat.text_field(fields, "Event") == KF_EVENT:
        open_kfid = wechat.text_field(fields, "OpenKfId")
        if not open_kfid:
            raise ValidationFailed("kf_msg_or_event without OpenKfId")
        job = KfSyncJob(
            shop=shop,
            open_kfid=open_kfid,
            token=wechat.text_field(fields, "Token") or None,
            correlation_id=correlation_id,
        )
        # Not de-duplicated: every notification may mean new messages; pulling twice is harmless.
        kf_jobs.send(job.model_dump_json(), dedup_id=f"kf:{open_kfid}:{job.token or ''}")
        return Accepted("kf_sync")
    message, dedup_id = wechat.to_intake(
        fields, plaintext, channel=Channel.WECOM, correlation_id=correlation_id, shop=shop
    )
    queue.send(message.model_dump_json(), dedup_id=dedup_id)
    return Accepted(message.event_type, message.ticket_id)


# --- 微信客服 pull ---------------------------------------------------------------------------


class KfApi(Protocol):
    def sync_msg(self, cursor: str | None, token: str | None, open_kfid: str, limit: int) -> dict[str, Any]: ...


class CursorStore(ABC):
    """Durable per-source cursor; ``put`` only succeeds if the stored value is still ``expected``."""

    @abstractmethod
    def get(self, key: str) -> str | None: ...

    @abstractmethod
    def put(self, key: str, value: str, expected: str | None) -> None:
        """Raise ConcurrentUpdate when somebody else moved the cursor first."""


@dataclass
class SyncResult:
    enqueued: int = 0
    skipped: int = 0
    pages: int = 0
    cursor: str | None = None


def cursor_key(open_kfid: str) -> str:
    return f"wecom-kf#{open_kfid}"


def kf_reply_address(open_kfid: str, external_userid: str) -> str:
    """A 微信客服 customer is reached through one kf account: keep both in ``platform_user_id``."""
    return f"kf:{open_kfid}:{external_userid}"


def parse_kf_reply_address(value: str | None) -> tuple[str, str] | None:
    if not value or not value.startswith("kf:"):
        return None
    open_kfid, _, external_userid = value.removeprefix("kf:").partition(":")
    return (open_kfid, external_userid) if open_kfid and external_userid else None


def kf_to_intake(
    item: Mapping[str, Any], shop: str = "default", received_at: datetime | None = None
) -> tuple[IntakeMessage, str] | None:
    """One sync_msg item → IntakeMessage; ``None`` for what is not a customer's message.

    customer.id = external_userid (triage merges a customer's messages into their open ticket);
    customer.platform_user_id = ``kf:<open_kfid>:<external_userid>``, the reply address.
    """
    if int(item.get("origin") or 0) != CUSTOMER_ORIGIN:
        return None
    msgid = str(item.get("msgid") or "")
    customer_id = str(item.get("external_userid") or "")
    if not msgid or not customer_id:
        return None
    msgtype = str(item.get("msgtype") or "")
    text, attachments, event_type = "", [], "message"
    if msgtype == "text":
        text = str((item.get("text") or {}).get("content") or "")
    elif msgtype in ("image", "voice", "video", "file"):
        media = str((item.get(msgtype) or {}).get("media_id") or "unknown")
        text = {"image": "[图片]", "voice": "[语音]", "video": "[视频]", "file": "[文件]"}[msgtype]
        attachments.append(Attachment(url=f"wecom-media:{media}", content_type=msgtype))
    else:
        event_type = "unknown"
    send_time = item.get("send_time")
    occurred = datetime.fromtimestamp(int(send_time), UTC) if isinstance(send_time, int) else None
    channel = Channel.WECOM
    message = IntakeMessage(
        ticket_id=ticket_id_for(channel.value, msgid),
        channel=channel,
        external_id=msgid[:256],
        event_type=event_type,
        platform_event=f"kf:{msgtype}",
        occurred_at=occurred,
        received_at=received_at or utcnow(),
        customer=Customer(
            id=customer_id[:128], platform_user_id=kf_reply_address(str(item.get("open_kfid") or ""), customer_id)[:128]
        ),
        text=text,
        attachments=attachments,
        external=ExternalRefs(message_id=msgid, shop_id=shop),
        raw=json.dumps(item, ensure_ascii=False),
    )
    return message, f"{channel.value}:{msgid}"


def sync_kf(
    job: KfSyncJob, api: KfApi, cursors: CursorStore, queue: IntakeQueue, limit: int = 1000, max_pages: int = 50
) -> SyncResult:
    """Pull until ``has_more`` is 0; the cursor moves only after a page's messages are enqueued."""
    key = cursor_key(job.open_kfid)
    cursor = cursors.get(key)
    result = SyncResult(cursor=cursor)
    for _ in range(max_pages):
        page = api.sync_msg(cursor=cursor, token=job.token, open_kfid=job.open_kfid, limit=limit)
        result.pages += 1
        for item in page.get("msg_list") or []:
            mapped = kf_to_intake(item, shop=job.shop)
            if mapped is None:
                result.skipped += 1
                continue
            message, dedup_id = mapped
            if job.correlation_id:
                message = message.model_copy(update={"correlation_id": job.correlation_id})
            queue.send(message.model_dump_json(), dedup_id=dedup_id)
            result.enqueued += 1
        next_cursor = page.get("next_cursor")
        if next_cursor and next_cursor != cursor:
            cursors.put(key, str(next_cursor), expected=cursor)
            cursor = str(next_cursor)
            result.cursor = cursor
        if not page.get("has_more"):
            break
    return result
