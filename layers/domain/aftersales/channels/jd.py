"""京东 after-sales, polled: JD router signing, service-order mapping, high-water-mark poll loop.

JD's message push could not be confirmed, so a scheduled poller lists after-sales
service orders (服务单) updated since a durable high-water mark. The mark is the last
update time seen plus the ids seen *at* that time, so an order updated in the same
millisecond as the mark is neither lost nor enqueued twice. The API client and the
state store are ports (adapters in ``aftersales.adapters``), so the loop runs on fakes.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

from aftersales.intake.message import IntakeMessage
from aftersales.models import AftersaleStatus, Channel, Customer, ExternalRefs, OrderItem, ticket_id_for, utcnow
from aftersales.ports import IntakeQueue

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
LIST_METHOD = "jingdong.asc.query.list"  # 售后服务单列表 (assumed name; see docs/channels/pull.md)
LIST_RESPONSE_KEY = "jingdong_asc_query_list_responce"  # sic: JD spells it "responce"


@cache
def _tables() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(__file__).parent / "pull_data" / "jd.json").read_text("utf-8"))
    return data


# --- signing -----------------------------------------------------------------------


def jd_timestamp(now: datetime | None = None) -> str:
    return (now or utcnow()).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")


def jd_sign(params: Mapping[str, str], secret: str) -> str:
    """md5(secret + k1v1k2v2… (keys sorted, ``sign`` excluded) + secret), upper-case hex."""
    joined = "".join(f"{k}{v}" for k, v in sorted(params.items()) if k != "sign" and v not in (None, ""))
    return hashlib.md5(f"{secret}{joined}{secret}".encode()).hexdigest().upper()


def signed_params(
    method: str,
    app_key: str,
    secret: str,
    access_token: str | None,
    business: Mapping[str, Any],
    now: datetime | None = None,
) -> dict[str, str]:
    """System params + ``360buy_param_json`` (business params as one JSON string), signed."""
    params = {
        "method": method,
        "app_key": app_key,
        "timestamp": jd_timestamp(now),
        "format": "json",
        "v": "2.0",
        "sign_method": "md5",
        "360buy_param_json": json.dumps(dict(business), ensure_ascii=False, separators=(",", ":")),
        **({"access_token": access_token} if access_token else {}),
    }
    params["sign"] = jd_sign(params, secret)
    return params


# --- mapping -----------------------------------------------------------------------


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def updated_ms(service: Mapping[str, Any]) -> int:
    return _int(service.get("updateTime")) or _int(service.get("applyTime")) or 0


def status_for(step: Any, expect: Any) -> tuple[bool, AftersaleStatus | None]:
    """(known step?, status); a known step may keep the status (None), e.g. 21–22 复核."""
    tables = _tables()
    key = str(step)
    if key not in tables["steps"]:
        return False, None
    if key == tables["done_step"]:
        return True, AftersaleStatus(tables["done_by_expect"].get(str(expect), tables["steps"][key]))
    value = tables["steps"][key]
    return True, AftersaleStatus(value) if value else None


def to_intake(service: Mapping[str, Any], shop: str = "default", correlation_id: str | None = None) -> IntakeMessage:
    """One 服务单 snapshot → IntakeMessage (``unknown`` with raw kept when it cannot be read)."""
    raw = json.dumps(service, ensure_ascii=False, default=str)
    afs_id = str(service.get("afsServiceId") or "")
    step = service.get("afsServiceStep")
    expect = str(service.get("customerExpect") or "")
    known, status = status_for(step, expect)
    updated = updated_ms(service)
    occurred = datetime.fromtimestamp(updated / 1000, UTC) if updated else None
    pin = str(service.get("customerPin") or "")
    customer = Customer(
        id=f"jd:{pin or 'unknown'}",
        name=str(service["customerName"])[:128] if service.get("customerName") else None,
        platform_user_id=pin or None,
    )
    if not afs_id or not known:
        external_id = f"afs-{afs_id}" if afs_id else "afs-" + hashlib.sha256(raw.encode()).hexdigest()[:32]
        return IntakeMessage(
            ticket_id=ticket_id_for(Channel.JD.value, external_id),
            channel=Channel.JD,
            external_id=external_id,
            event_type="unknown",
            platform_event=f"afsServiceStep={step}",
            occurred_at=occurred,
            customer=customer,
            text="京东服务单无法识别",
            external=ExternalRefs(message_id=f"{afs_id}:{step}:{updated}", shop_id=shop),
            raw=raw,
        )
    tables = _tables()
    label = tables["expect_labels"].get(expect)
    order_id = str(service["orderId"]) if service.get("orderId") else None
    items = []
    if service.get("skuId"):
        items.append(
            OrderItem(
                sku=str(service["skuId"]),
                name=str(service["wareName"])[:256] if service.get("wareName") else None,
                quantity=max(1, _int(service.get("skuNum")) or 1),
            )
        )
    return IntakeMessage(
        ticket_id=ticket_id_for(Channel.JD.value, afs_id),
        channel=Channel.JD,
        external_id=afs_id,
        event_type="aftersale",
        # The step and what the buyer expects (退货/换货/维修) travel in platform_event: the
        # intake message has no tags field, triage can tag from it.
        platform_event=f"afsServiceStep={step};customerExpect={tables['expects'].get(expect, expect or '?')}",
        aftersale_status=status,
        occurred_at=occurred,
        correlation_id=correlation_id,
        customer=customer,
        order_id=order_id,
        items=items,
        subject=f"京东售后：{label}" if label else "京东售后",
        text=str(service.get("questionDesc") or service.get("afsServiceStepName") or ""),
        external=ExternalRefs(
            message_id=f"{afs_id}:{step}:{updated}", aftersale_id=afs_id, shop_id=shop, platform_order_id=order_id
        ),
        raw=raw,
    )


# --- high-water mark and the poll loop ---------------------------------------------


@dataclass
class PollState:
    """Where the last poll got to: last update time (ms) and the ids seen at exactly that time."""

    updated_ms: int = 0
    ids_at: list[str] = field(default_factory=list)
    version: int = 0


class PollStateStore(ABC):
    @abstractmethod
    def load(self, channel: str, shop: str) -> PollState: ...

    @abstractmethod
    def save(self, channel: str, shop: str, state: PollState) -> PollState:
        """Store if the stored version still equals ``state.version``; return it bumped.

        Raises ``aftersales.errors.ConcurrentUpdate`` when another poller wrote first.
        """


class AfsSource(ABC):
    """JD's service-order list, filtered on update time (both bounds inclusive)."""

    @abstractmethod
    def list_updated(self, begin_ms: int, end_ms: int, page: int, page_size: int) -> list[dict[str, Any]]: ...


@dataclass
class JdPollResult:
    fetched: int = 0
    enqueued: int = 0
    skipped: int = 0
    failed: bool = False
    truncated: bool = False
    state: PollState = field(default_factory=PollState)


def _fetch_window(
    source: AfsSource, begin_ms: int, end_ms: int, page_size: int, max_pages: int
) -> tuple[list[dict[str, Any]], int, bool]:
    """All pages of [begin, end]; if more than ``max_pages``, halve the window (never skip ahead)."""
    while True:
        items: list[dict[str, Any]] = []
        complete = False
        for page in range(1, max_pages + 1):
            batch = source.list_updated(begin_ms, end_ms, page, page_size)
            items.extend(batch)
            if len(batch) < page_size:
                complete = True
                break
        if complete or end_ms - begin_ms <= 1000:
            return items, end_ms, not complete
        end_ms = begin_ms + (end_ms - begin_ms) // 2


def poll(
    source: AfsSource,
    queue: IntakeQueue,
    store: PollStateStore,
    shop: str = "default",
    now_ms: int | None = None,
    lookback_ms: int = 24 * 3600 * 1000,
    page_size: int = 50,
    max_pages: int = 20,
    correlation_id: str | None = None,
) -> JdPollResult:
    """List updates since the mark, enqueue each in update order, then advance the mark.

    The mark only moves past what was enqueued: on a failure the loop stops and the next
    run lists the rest again (de-duplication absorbs the repeats).
    """
    state = store.load(Channel.JD.value, shop)
    now = now_ms if now_ms is not None else int(utcnow().timestamp() * 1000)
    begin = state.updated_ms or now - lookback_ms
    items, _, truncated = _fetch_window(source, begin, now, page_size, max_pages)
    result = JdPollResult(fetched=len(items), truncated=truncated)
    mark, seen = state.updated_ms, set(state.ids_at)
    by_id: dict[tuple[int, str], dict[str, Any]] = {}
    for item in items:
        by_id[(updated_ms(item), str(item.get("afsServiceId") or ""))] = item  # pages can overlap
    for (updated, afs_id), item in sorted(by_id.items()):
        if updated < mark or (updated == mark and afs_id in seen):
            result.skipped += 1
            continue
        intake = to_intake(item, shop, correlation_id)
        try:
            queue.send(intake.model_dump_json(), dedup_id=f"jd:{intake.external.message_id}")
        except Exception:  # stop here; the mark stays before this one
            result.failed = True
            break
        result.enqueued += 1
        if updated > mark:
            mark, seen = updated, {afs_id}
        else:
            seen.add(afs_id)
    new_state = PollState(updated_ms=mark, ids_at=sorted(seen), version=state.version)
    if (new_state.updated_ms, new_state.ids_at) != (state.updated_ms, sorted(state.ids_at)):
        new_state = store.save(Channel.JD.value, shop, new_state)
    result.state = new_state
    return result
