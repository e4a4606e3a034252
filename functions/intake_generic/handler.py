"""POST /v1/intake/{webchat,sms,phone,partner}: our signed JSON intake; the channel comes from the path."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from aftersales.adapters.idempotency import DedupingIntakeQueue
from aftersales.adapters.secrets import webhook_secrets
from aftersales.adapters.sqs import SqsIntakeQueue
from aftersales.channels import generic_channels
from aftersales.channels.generic_channels import ChannelIntakeSettings
from aftersales.http import json_response, raw_body, register_error_handlers
from aftersales.observability import logger, metrics, tracer

app = APIGatewayHttpResolver()
register_error_handlers(app)


@cache
def _settings() -> ChannelIntakeSettings:
    return ChannelIntakeSettings.from_env()


@cache
def _queue() -> DedupingIntakeQueue:
    settings = _settings()
    return DedupingIntakeQueue(SqsIntakeQueue(settings.intake_queue_url), settings.idempotency_table)


@app.post("/v1/intake/<channel>")
def intake_generic(channel: str) -> Response[str]:
    resolved, accepted = generic_channels.accept(
        f"/v1/intake/{channel}",
        raw_body(app.current_event.raw_event),
        app.current_event.headers,
        webhook_secrets(_settings()),
        _queue(),
        correlation_id=logger.get_correlation_id(),
    )
    metrics.add_metric(name="IntakeAccepted", unit="Count", value=1)
    logger.info("intake accepted", extra={"ticket_id": accepted.ticket_id, "channel": resolved.value})
    return json_response(202, {"status": "accepted", "ticket_id": accepted.ticket_id})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _settings()
    return app.resolve(event, context)
