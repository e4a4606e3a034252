"""抖店 API request signing and detail merging, without the network."""

from __future__ import annotations

import hashlib
import json

import pytest

from aftersales.adapters.platforms.douyin import DouyinApiError, enrich, param_json, path_for, sign
from aftersales.channels import douyin
from local.simulator.douyin import fake_detail


def test_sign_is_the_documented_md5_scheme() -> None:
    params = param_json({"b": 1, "a": "售后"})
    assert params == '{"a":"售后","b":1}'
    expected = hashlib.md5(
        f"sec app_keykeymethodafterSale.Detailparam_json{params}timestamp1700000000v2sec ".replace(" ", "").encode()
    ).hexdigest()
    assert sign("key", "sec", "afterSale.Detail", params, "1700000000") == expected
    assert path_for("afterSale.Detail") == "/afterSale/Detail"


def test_enrich_fills_buyer_items_amount_and_reason() -> None:
    body = json.dumps([{"tag": "200", "msg_id": "m1", "data": json.dumps({"aftersale_id": 9, "p_id": 8})}]).encode()
    [message] = douyin.parse(body)
    enriched = enrich(message, fake_detail("9"))
    assert not enriched.needs_enrichment
    assert enriched.customer.platform_user_id and enriched.customer.phone.startswith("138****")  # type: ignore[union-attr]
    assert enriched.items[0].name and enriched.items[0].amount_fen == enriched.order_amount_fen
    assert enriched.text
    assert enriched.order_id == "8"


def test_enrich_without_buyer_is_an_error() -> None:
    [message] = douyin.parse(json.dumps([{"tag": "200", "msg_id": "m", "data": '{"aftersale_id": 1}'}]).encode())
    with pytest.raises(DouyinApiError):
        enrich(message, {"order_info": {}})
