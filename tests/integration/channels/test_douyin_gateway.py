"""抖店 gateway against the local simulator: signed detail fetch, exactly-once after-sale operations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from aftersales.adapters import aws
from aftersales.adapters.platforms import gateway_for
from aftersales.adapters.platforms.douyin import DouyinApiError, DouyinClient, DouyinGateway
from aftersales.adapters.platforms.http import PlatformHttpError
from aftersales.channels import douyin
from aftersales.intake.message import IntakeMessage
from aftersales.models import Ticket
from local.simulator import Simulator

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[3] / "events" / "intake_douyin"


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[Simulator]:
    with mock_aws(), Simulator() as simulator:
        aws.reset()
        boto3.client("dynamodb").create_table(
            TableName="idem",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
        monkeypatch.setenv("IDEMPOTENCY_TABLE", "idem")
        monkeypatch.delenv("DOUYIN_API_BASE", raising=False)
        monkeypatch.setenv("AFTERSALES_SIMULATOR_URL", simulator.base_url)
        yield simulator
        aws.reset()


def pushed_message() -> IntakeMessage:
    doc = json.loads((EVENTS / "valid_tag200.json").read_text(encoding="utf-8"))
    [message] = douyin.parse(doc["raw_body"].encode())
    return message


def ticket_for(message: IntakeMessage) -> Ticket:
    return Ticket(
        id=message.ticket_id,
        channel=message.channel,
        external_id=message.external_id,
        external=message.external,
        customer=message.customer,
    )


def test_gateway_is_registered_for_the_channel(sim: Simulator) -> None:
    assert isinstance(gateway_for("douyin"), DouyinGateway)


def test_fetch_details_completes_the_push(sim: Simulator) -> None:
    message = pushed_message()
    enriched = DouyinGateway().fetch_details(message)
    assert enriched.needs_enrichment is False
    assert enriched.customer.id.startswith("douyin:1@#")
    assert enriched.customer.phone is not None and "****" in enriched.customer.phone
    assert enriched.customer.name is not None and enriched.customer.name.endswith("*")
    assert enriched.items and enriched.items[0].name and enriched.items[0].amount_fen
    assert enriched.text  # the buyer's stated reason
    assert enriched.external_id == message.external_id and enriched.ticket_id == message.ticket_id
    assert enriched.order_id == message.order_id
    again = DouyinGateway().fetch_details(message)
    assert again.customer == enriched.customer  # deterministic simulator


def test_agree_return_twice_with_one_key_reaches_the_platform_once(sim: Simulator) -> None:
    ticket = ticket_for(pushed_message())
    gateway = DouyinGateway()
    first = gateway.agree_return(ticket, "上海市浦东新区退货仓 1 号", "approve-T1-1")
    second = DouyinGateway().agree_return(ticket, "上海市浦东新区退货仓 1 号", "approve-T1-1")
    assert first == second
    ops = [op for op in sim.operations if op["platform"] == "douyin"]
    assert len(ops) == 1
    assert ops[0]["request_id"] == "approve-T1-1"
    assert ops[0]["type"] == 101
    assert ops[0]["aftersale_ids"] == ["7123456789012345678"]


def test_different_keys_are_different_operations(sim: Simulator) -> None:
    ticket = ticket_for(pushed_message())
    gateway = DouyinGateway()
    gateway.agree_refund(ticket, "refund-1")
    gateway.refuse(ticket, "超过售后期", "refuse-1")
    assert [(op["type"], op["request_id"]) for op in sim.operations] == [(201, "refund-1"), (202, "refuse-1")]


def test_wrong_secret_is_refused_by_the_platform(sim: Simulator) -> None:
    client = DouyinClient()
    client.creds = {**client.creds, "app_secret": "wrong"}
    with pytest.raises(DouyinApiError):
        DouyinGateway(client=client).fetch_details(pushed_message())


def test_platform_down_raises_so_triage_can_mark_incomplete(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOUYIN_API_BASE", "http://127.0.0.1:9/douyin")
    client = DouyinClient(timeout_s=0.2)
    with pytest.raises(PlatformHttpError):
        DouyinGateway(client=client).fetch_details(pushed_message())
