"""抖店 open-platform client: after-sale detail (enrichment) and after-sale operations.

Request signing (抖店 open platform, ``sign_method=md5``): every call carries ``app_key``,
``method`` (e.g. ``afterSale.Detail``), ``param_json`` (the business parameters as compact
JSON with keys sorted), ``timestamp`` and ``v=2``, plus

    sign = md5_hex(app_secret + "app_key" + app_key + "method" + method
                   + "param_json" + param_json + "timestamp" + timestamp + "v" + "2" + app_secret)

The system parameters go in the query string, ``param_json`` is also the POST body.
``timestamp`` is sent as unix seconds; an ``access_token`` is added when the shop's
credentials hold one (token refresh via ``/token/create`` is not implemented yet).

Write operations (``agree_return``, ``agree_refund``, ``refuse``) are wrapped in Powertools
``idempotent_function`` on ``IDEMPOTENCY_TABLE``, keyed on the caller's idempotency key, and
pass that key to 抖店 as ``request_id`` inside ``param_json``: a retried approval reaches the
platform exactly once, and a retry after an ambiguous failure carries the same request id.
The ``afterSale.operate`` type codes below are unconfirmed and kept in one table.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from aftersales.adapters.credentials import channel_credentials
from aftersales.adapters.platforms.http import PlatformHttpError, request_json
from aftersales.intake.message import IntakeMessage
from aftersales.models import Channel, Customer, OrderItem, Ticket
from aftersales.ports import PlatformGateway

DETAIL_METHOD = "afterSale.Detail"
OPERATE_METHOD = "afterSale.operate"
SUCCESS_CODE = 10000
# afterSale.operate ``type``: 101 同意退货申请, 201 同意退款, 202 拒绝退款 (unconfirmed codes).
OPERATE_TYPES: dict[str, int] = {"agree_return": 101, "agree_refund": 201, "refuse": 202}
IDEMPOTENCY_WINDOW_S = 7 * 24 * 3600  # agents may retry an approval for days


def api_base() -> str:
    """``DOUYIN_API_BASE``, else the local simulator's ``/douyin``."""
    explicit = os.environ.get("DOUYIN_API_BASE")
    if explicit:
        return explicit.rstrip("/")
    sim = os.environ.get("AFTERSALES_SIMULATOR_URL", "http://127.0.0.1:8766").rstrip("/")
    return f"{sim}/douyin"


def param_json(params: dict[str, Any]) -> str:
    return json.dumps(params, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sign(app_key: str, app_secret: str, method: str, params_json: str, timestamp: str) -> str:
    plain = f"{app_secret}app_key{app_key}method{method}param_json{params_json}timestamp{timestamp}v2{app_secret}"
    return hashlib.md5(plain.encode("utf-8")).hexdigest()


def path_for(method: str) -> str:
    """``afterSale.Detail`` -> ``/afterSale/Detail`` (抖店 maps methods to paths this way)."""
    return "/" + method.replace(".", "/")


class DouyinApiError(PlatformHttpError):
    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class DouyinClient:
    def __init__(self, shop: str = "default", base_url: str | None = None, timeout_s: float = 3.0) -> None:
        self.shop = shop
        self.base_url = base_url or api_base()
        self.timeout_s = timeout_s
        self._creds: dict[str, str] | None = None

    @property
    def creds(self) -> dict[str, str]:
        """Loaded on first call, so a missing shop fails inside fetch_details (triage keeps the ticket)."""
        if self._creds is None:
            self._creds = channel_credentials(Channel.DOUYIN.value, self.shop)
        return self._creds

    @creds.setter
    def creds(self, value: dict[str, str]) -> None:
        self._creds = value

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        body = param_json(params)
        timestamp = str(int(time.time()))
        query = {
            "app_key": self.creds["app_key"],
            "method": method,
            "timestamp": timestamp,
            "v": "2",
            "sign_method": "md5",
            "sign": sign(self.creds["app_key"], self.creds["app_secret"], method, body, timestamp),
        }
        if self.creds.get("access_token"):
            query["access_token"] = self.creds["access_token"]
        url = f"{self.base_url}{path_for(method)}?{urllib.parse.urlencode(query)}"
        answer = request_json("POST", url, body.encode("utf-8"), timeout_s=self.timeout_s)
        if not isinstance(answer, dict):
            raise DouyinApiError(f"{method}: unexpected answer {answer!r:.200}")
        code = answer.get("code", answer.get("err_no"))
        if code not in (SUCCESS_CODE, 0):
            raise DouyinApiError(f"{method}: 抖店 error {code} {answer.get('msg') or answer.get('message')}", code)
        data = answer.get("data")
        return data if isinstance(data, dict) else {}


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def enrich(message: IntakeMessage, data: dict[str, Any]) -> IntakeMessage:
    """Merge an ``afterSale.Detail`` answer into the notification-only message."""
    info = (data.get("process_info") or {}).get("after_sale_info") or {}
    order = data.get("order_info") or {}
    buyer_id = order.get("doudian_open_id") or order.get("buyer_open_id")
    if not buyer_id:
        raise DouyinApiError("afterSale.Detail answer has no buyer identity")
    customer = Customer(
        id=f"douyin:{buyer_id}",
        name=order.get("receiver_name") or order.get("buyer_nick"),  # already masked by 抖店 (张*)
        phone=order.get("receiver_phone"),  # masked by 抖店 (138****5678)
        platform_user_id=str(buyer_id),
    )
    items = [
        OrderItem(
            sku=str(sku.get("sku_code") or sku.get("sku_id") or sku.get("sku_order_id")),
            name=sku.get("product_name"),
            quantity=max(1, _int(sku.get("item_num")) or 1),
            amount_fen=_int(sku.get("pay_amount")),
            sku_order_id=str(sku["sku_order_id"]) if sku.get("sku_order_id") is not None else None,
        )
        for sku in order.get("sku_order_infos") or []
        if isinstance(sku, dict)
    ]
    reason = " ".join(str(x) for x in (info.get("reason"), info.get("reason_remark")) if x)
    refund = _int(info.get("refund_amount"))
    return message.model_copy(
        update={
            "customer": customer,
            "items": items or message.items,
            "order_id": message.order_id or (str(order["shop_order_id"]) if order.get("shop_order_id") else None),
            "order_amount_fen": refund if refund is not None else message.order_amount_fen,
            "text": reason or message.text,
            "needs_enrichment": False,
        }
    )


class DouyinGateway(PlatformGateway):
    """抖店 pushes carry no buyer: ``fetch_details`` completes them; operations are idempotent."""

    channel = Channel.DOUYIN.value

    def __init__(self, shop: str = "default", client: DouyinClient | None = None) -> None:
        self.shop = shop
        self.client = client or DouyinClient(shop)
        self._operate_once: Callable[..., dict[str, Any]] | None = None

    def fetch_details(self, message: IntakeMessage) -> IntakeMessage:
        aftersale_id = message.external.aftersale_id or message.external_id
        data = self.client.call(DETAIL_METHOD, {"after_sale_id": aftersale_id, "need_operation_record": False})
        return enrich(message, data)

    def agree_return(self, ticket: Ticket, return_address: str, idempotency_key: str) -> dict[str, Any]:
        return self._operate("agree_return", ticket, idempotency_key, {"return_address": return_address})

    def agree_refund(self, ticket: Ticket, idempotency_key: str) -> dict[str, Any]:
        return self._operate("agree_refund", ticket, idempotency_key, {})

    def refuse(self, ticket: Ticket, reason: str, idempotency_key: str) -> dict[str, Any]:
        return self._operate("refuse", ticket, idempotency_key, {"reject_reason": reason})

    def _operate(self, action: str, ticket: Ticket, idempotency_key: str, extra: dict[str, Any]) -> dict[str, Any]:
        if not idempotency_key:
            raise ValueError("an idempotency key is required for 抖店 after-sale operations")
        aftersale_id = ticket.external.aftersale_id or ticket.external_id
        item = {"aftersale_id": aftersale_id, **extra}
        params = {"type": OPERATE_TYPES[action], "items": [item], "request_id": idempotency_key}
        once = self._idempotent()
        return once(
            operation={"platform": self.channel, "shop": self.shop, "idempotency_key": idempotency_key},
            action=action,
            params=params,
        )

    def _idempotent(self) -> Callable[..., dict[str, Any]]:
        """Built lazily: reads need no DynamoDB, only writes do."""
        if self._operate_once is None:
            from aws_lambda_powertools.utilities.idempotency import (
                DynamoDBPersistenceLayer,
                IdempotencyConfig,
                idempotent_function,
            )

            from aftersales.adapters.aws import client

            table = os.environ.get("IDEMPOTENCY_TABLE")
            if not table:
                raise RuntimeError("IDEMPOTENCY_TABLE is required for 抖店 after-sale operations")
            persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=client("dynamodb"))
            config = IdempotencyConfig(expires_after_seconds=IDEMPOTENCY_WINDOW_S, raise_on_no_idempotency_key=True)
            douyin = self.client

            @idempotent_function(data_keyword_argument="operation", persistence_store=persistence, config=config)
            def _operate_once(operation: dict[str, str], action: str, params: dict[str, Any]) -> dict[str, Any]:
                data = douyin.call(OPERATE_METHOD, params)
                return {"channel": "douyin", "action": action, "request_id": operation["idempotency_key"], **data}

            self._operate_once = _operate_once
        return self._operate_once
