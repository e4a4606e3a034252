"""POST /v1/intake/douyin: 抖店 message push. Verify event-sign, enqueue each message once, ack fast."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from aftersales.adapters.credentials import find_shop
from aftersales.adapters.idempotency import DedupingIntakeQueue
from aftersales.adapters.sqs import SqsIntakeQueue
from aftersales.channels import douyin
from aftersales.channels.generic_channels import ChannelIntakeSettings
from aftersales.errors import SignatureInvalid
from aftersales.http import json_response, raw_body, register_error_handlers
from aftersales.observability import logger, metrics, tracer

app = APIGatewayHttpResolver()
register_error_handlers(app)


@app.exception_handler(SignatureInvalid)
def _forged(exc: SignatureInvalid) -> Response[str]:
    """抖店 defines its failure body; the reason goes to the log, not to the caller."""
    logger.info("douyin push rejected", extra={"error": exc.code, "reason": exc.message})
    return json_response(401, douyin.FAILURE_REPLY)


@cache
def _settings() -> ChannelIntakeSettings:
    return ChannelIntakeSettings.from_env()


@cache
def _queue() -> DedupingIntakeQueue:
    settings = _settings()
    return DedupingIntakeQueue(SqsIntakeQueue(settings.intake_queue_url), settings.idempotency_table)


@app.post("/v1/intake/douyin")
def intake_douyin() -> Response[str]:
    messages = douyin.accept(
        raw_body(app.current_event.raw_event),
        app.current_event.headers,
        _queue(),
        find_shop,
        correlation_id=logger.get_correlation_id(),
    )
    metrics.add_metric(name="IntakeAccepted", unit="Count", value=len(messages))
    logger.info(
        "douyin push accepted",
        extra={"channel": "douyin", "messages": [(m.platform_event, m.event_type, m.external_id) for m in messages]},
    )
    return json_response(200, douyin.SUCCESS_REPLY)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _settings()
    return app.resolve(event, context)
