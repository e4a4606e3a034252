"""The WeChat family over the whole local stack (gateway → intake → SQS → triage/kf_sync → table → API),
with platform APIs served by the simulator: the samples in events/ replayed over real HTTP."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aftersales.models import ticket_id_for
from local.cloud import LocalCloud

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "e2e"))
from e2e_http import Reply, http, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.filterwarnings("ignore::UserWarning")]

EVENTS = Path(__file__).resolve().parents[3] / "events"


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud(port=0, retry_delay_s=1) as running:
        yield running


def replay(cloud: LocalCloud, folder: str, name: str) -> Reply:
    sample = json.loads((EVENTS / folder / f"{name}.json").read_text(encoding="utf-8"))
    method, _, target = sample["route"].partition(" ")
    body = sample["raw_body"].encode() if sample["raw_body"] else None
    reply = http(cloud.base_url + target, method, body, sample["headers"])
    assert reply.status == sample["expect_status"], reply
    return reply


def ticket(cloud: LocalCloud, ticket_id: str, ready: Any = bool) -> dict[str, Any]:
    def fetch() -> dict[str, Any] | None:
        reply = http(f"{cloud.base_url}/v1/tickets/{ticket_id}")
        data = reply.json() if reply.status == 200 else None
        return data if data and ready(data) else None

    found = wait_for(fetch, 15)
    assert found, f"ticket {ticket_id} never became ready"
    return dict(found)


def test_wechat_message_becomes_a_ticket_and_forgeries_do_not(cloud: LocalCloud) -> None:
    assert replay(cloud, "intake_wechat", "url_verify").raw == b"5837397520641390232"
    assert replay(cloud, "intake_wechat", "valid_text").raw == b"success"
    replay(cloud, "intake_wechat", "duplicate")
    replay(cloud, "intake_wechat", "bad_signature")
    data = ticket(cloud, ticket_id_for("wechat", "24680000000000001"))
    assert data["customer"]["id"] == "o-cust-1" and "保温杯漏水" in data["text"]
    assert http(f"{cloud.base_url}/v1/tickets/{ticket_id_for('wechat', '24680000000000002')}").status == 404


def test_wechat_shop_pushes_are_enriched_and_ordered(cloud: LocalCloud) -> None:
    cloud.simulator.platforms["wechat"].seed([{"after_sale_order_id": "4000000000000001", "openid": "o-buyer-9"}])
    for name in ("valid", "refund_success", "out_of_order"):
        assert replay(cloud, "intake_wechat_shop", name).raw == b"success"
    data = ticket(
        cloud,
        ticket_id_for("wechat-shop", "4000000000000001"),
        ready=lambda t: t["aftersale_status"] == "refund_succeeded" and not t["incomplete"],
    )
    assert data["customer"]["id"] == "o-buyer-9" and data["order_amount_fen"] == 9900
    assert data["items"][0]["sku"] == "sku-1"


def test_wechat_customer_service_is_pulled_after_the_notification(cloud: LocalCloud) -> None:
    platform = cloud.simulator.platforms["wecom"]
    [msgid] = platform.seed(
        [{"open_kfid": "wkdevkf0001", "external_userid": "wm-cust-1", "text": "衣服有破洞，想换货"}]
    )
    assert replay(cloud, "intake_wecom", "url_verify").raw == b"1616140317555161061"
    assert replay(cloud, "intake_wecom", "kf_msg_or_event").raw == b""
    data = ticket(cloud, ticket_id_for("wecom", msgid))
    assert data["customer"]["id"] == "wm-cust-1" and data["text"] == "衣服有破洞，想换货"
