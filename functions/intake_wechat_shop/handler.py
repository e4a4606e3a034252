"""GET/POST /v1/intake/wechat-shop: 微信小店 URL check and after-sale pushes → intake queue."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from aftersales.adapters.idempotency import DedupingIntakeQueue
from aftersales.adapters.sqs import SqsIntakeQueue
from aftersales.channels import wechat, wechat_shop
from aftersales.http import raw_body, register_error_handlers
from aftersales.models import Channel
from aftersales.observability import logger, metrics, tracer
from aftersales.settings import IntakeSettings

app = APIGatewayHttpResolver()
register_error_handlers(app)


class WeChatIntakeSettings(IntakeSettings):
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)


@cache
def _settings() -> WeChatIntakeSettings:
    return WeChatIntakeSettings.from_env()


@cache
def _queue() -> DedupingIntakeQueue:
    settings = _settings()
    return DedupingIntakeQueue(SqsIntakeQueue(settings.intake_queue_url), settings.idempotency_table)


def _query() -> dict[str, str]:
    event = app.current_event
    return wechat.parse_query(event.raw_event.get("rawQueryString"), event.query_string_parameters)


def _text(body: str) -> Response[str]:
    return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body=body)


@app.get("/v1/intake/wechat-shop")
def verify_url() -> Response[str]:
    query = _query()
    keys = wechat.WeChatKeys.for_channel(Channel.WECHAT_SHOP.value, wechat.shop_from_query(query), "app_id")
    return _text(wechat.verify_url(query, keys))


@app.post("/v1/intake/wechat-shop")
def intake_wechat_shop() -> Response[str]:
    accepted = wechat_shop.accept(
        raw_body(app.current_event.raw_event), _query(), _queue(), correlation_id=logger.get_correlation_id()
    )
    metrics.add_metric(name="IntakeAccepted", unit="Count", value=1)
    logger.info(
        "intake accepted",
        extra={"ticket_id": accepted.ticket_id, "channel": "wechat-shop", "event_type": accepted.event_type},
    )
    return _text(wechat.SUCCESS)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _settings()
    return app.resolve(event, context)
