"""Inbound email → IntakeMessage: MIME parsed with the stdlib ``email`` package (policy=default).

Handles GBK/GB2312/UTF-8 bodies, RFC 2047 subjects, HTML-only mail, quoted replies and
attachments. ``external_id`` is the thread's root Message-ID (from References /
In-Reply-To) so a reply lands on the ticket its thread opened; the message's own
Message-ID is the de-duplication key. Anything unreadable becomes ``unknown`` with the
raw message kept: an email is never dropped and parsing never raises.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

from aftersales.intake.message import IntakeMessage
from aftersales.models import Attachment, Channel, Customer, ExternalRefs, ticket_id_for
from aftersales.ports import RawArchive

MAX_TEXT = 50_000
MAX_RAW = 96 * 1024  # an SQS message is at most 256 KiB; the full .eml stays in S3
MAX_ATTACHMENTS = 20

# Mail labelled GB2312/GBK routinely contains characters outside those sets; GB18030 is a superset.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "gb_2312-80": "gb18030",
}

# Where a quoted earlier message begins (the rest is dropped).
_QUOTE_STARTS = (
    re.compile(r"^\s*On\b.*\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*在.*写道\s*[:：]\s*$"),
    re.compile(r"^\s*-{3,}\s*原始邮件\s*-{3,}\s*$"),
    re.compile(r"^\s*-{3,}\s*Original Message\s*-{3,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{3,}\s*回复的原邮件\s*-{3,}\s*$"),
)
_ON_LINE = re.compile(r"^\s*On\b", re.IGNORECASE)
_WROTE_END = re.compile(r"\bwrote:\s*$", re.IGNORECASE)


class _HtmlText(HTMLParser):
    """Tags out, text in, line breaks where blocks end; script/style dropped."""

    _BLOCKS = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_quoted(text: str) -> str:
    """Keep what the sender wrote now: drop the quoted history and '>' lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        if any(p.match(line) for p in _QUOTE_STARTS):
            break
        # "On Mon, 1 Jan 2024, 张三 <a@b.c>\nwrote:" — Gmail wraps long attributions.
        if _ON_LINE.match(line) and i + 1 < len(lines) and _WROTE_END.search(lines[i + 1]):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def _decode_part(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = (part.get_content_charset() or "utf-8").lower()
    charset = _CHARSET_ALIASES.get(charset, charset)
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        return payload.decode("utf-8", errors="replace")


def _msg_id(value: Any) -> str | None:
    if not value:
        return None
    found = re.findall(r"<([^<>\s]+)>", str(value))
    if found:
        return found[0][:250]
    text = str(value).strip()
    return text[:250] or None


@dataclass
class ParsedEmail:
    message_id: str
    thread_id: str
    from_address: str | None
    from_name: str | None
    subject: str | None
    text: str
    date: datetime | None
    attachments: list[dict[str, Any]] = field(default_factory=list)  # name, content_type, size, data
    defects: list[str] = field(default_factory=list)


def parse(raw: bytes) -> ParsedEmail:
    """Parse one RFC 5322 message; may raise on hopeless input (``to_intake`` catches it)."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    defects = [type(d).__name__ for d in msg.defects]
    own_id = _msg_id(msg.get("Message-ID")) or "sha256-" + hashlib.sha256(raw).hexdigest()[:40]
    references = re.findall(r"<([^<>\s]+)>", str(msg.get("References") or ""))
    thread_id = (references[0][:250] if references else None) or _msg_id(msg.get("In-Reply-To")) or own_id
    addresses = getaddresses([str(msg.get("From") or "")])
    name, address = addresses[0] if addresses else ("", "")
    address = address.strip().lower() if address and "@" in address else ""
    subject = str(msg.get("Subject") or "").strip() or None
    date: datetime | None = None
    try:
        date = parsedate_to_datetime(str(msg["Date"])) if msg.get("Date") else None
    except (TypeError, ValueError):
        date = None
    body = msg.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        content = _decode_part(body)
        text = html_to_text(content) if body.get_content_type() == "text/html" else content
    elif not msg.is_multipart() and msg.get_content_maintype() == "text":
        text = _decode_part(msg)
    attachments = []
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True)
        attachments.append(
            {
                "name": part.get_filename() or None,
                "content_type": part.get_content_type(),
                "size": len(data) if isinstance(data, bytes) else 0,
                "data": data if isinstance(data, bytes) else b"",
            }
        )
        defects.extend(type(d).__name__ for d in part.defects)
    for part in msg.walk():
        if part is not msg:
            defects.extend(type(d).__name__ for d in part.defects)
    return ParsedEmail(
        message_id=own_id,
        thread_id=thread_id,
        from_address=address or None,
        from_name=name.strip() or None,
        subject=subject[:512] if subject else None,
        text=strip_quoted(text)[:MAX_TEXT],
        date=date,
        attachments=attachments[:MAX_ATTACHMENTS],
        defects=sorted(set(defects)),
    )


def _raw_text(raw: bytes, source_ref: str | None) -> str:
    text = raw[:MAX_RAW].decode("utf-8", errors="replace")
    if len(raw) > MAX_RAW:
        text += f"\n[truncated at {MAX_RAW} bytes; full message at {source_ref or 'the inbound store'}]"
    return text


def _unknown(raw: bytes, reason: str, source_ref: str | None, message_id: str | None = None) -> IntakeMessage:
    external_id = message_id or "sha256-" + hashlib.sha256(raw).hexdigest()[:40]
    return IntakeMessage(
        ticket_id=ticket_id_for(Channel.EMAIL.value, external_id),
        channel=Channel.EMAIL,
        external_id=external_id,
        event_type="unknown",
        customer=Customer(id="email:unknown"),
        text=reason[:1000],
        external=ExternalRefs(message_id=external_id),
        raw=_raw_text(raw, source_ref),
    )


def to_intake(
    raw: bytes,
    archive: RawArchive | None = None,
    source_ref: str | None = None,
    correlation_id: str | None = None,
) -> IntakeMessage:
    """One .eml → IntakeMessage. Attachments go to ``archive`` when given (the message keeps refs)."""
    try:
        parsed = parse(raw)
    except Exception as exc:  # never crash on mail: keep it raw for a human
        return _unknown(raw, f"unparseable email: {type(exc).__name__}", source_ref)
    if not parsed.from_address:
        return _unknown(raw, "email without a usable From address", source_ref, parsed.message_id)
    if not parsed.text and not parsed.attachments and parsed.defects:
        return _unknown(raw, f"broken MIME: {', '.join(parsed.defects)}", source_ref, parsed.message_id)
    digest = hashlib.sha256(parsed.message_id.encode()).hexdigest()[:32]
    attachments: list[Attachment] = []
    for i, att in enumerate(parsed.attachments):
        name = (att["name"] or f"attachment-{i + 1}")[:200]
        url = f"email-attachment:{parsed.message_id}/{i + 1}"
        if archive is not None and att["data"]:
            safe = re.sub(r"[^\w.\-]+", "_", name)[:100] or f"attachment-{i + 1}"
            url = archive.put(f"email/attachments/{digest}/{i + 1}-{safe}", att["data"], att["content_type"])
        attachments.append(Attachment(url=url[:2048], content_type=att["content_type"][:128], name=name))
    return IntakeMessage(
        ticket_id=ticket_id_for(Channel.EMAIL.value, parsed.thread_id),
        channel=Channel.EMAIL,
        external_id=parsed.thread_id,
        event_type="message",
        occurred_at=parsed.date,
        correlation_id=correlation_id,
        customer=Customer(
            id=f"email:{parsed.from_address}"[:128],
            name=parsed.from_name[:128] if parsed.from_name else None,
            email=parsed.from_address[:254],
        ),
        subject=parsed.subject,
        text=parsed.text,
        attachments=attachments,
        external=ExternalRefs(message_id=parsed.message_id),
        raw=_raw_text(raw, source_ref),
    )


def dedup_id(message: IntakeMessage) -> str:
    return f"email:{message.external.message_id or message.external_id}"
