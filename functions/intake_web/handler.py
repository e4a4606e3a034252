"""POST /v1/intake/web: verify the signature, validate, enqueue, answer 202."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from aftersales.adapters.secrets import webhook_secrets
from aftersales.adapters.sqs import SqsIntakeQueue
from aftersales.http import json_response, raw_body, register_error_handlers
from aftersales.intake import generic
from aftersales.models import Channel
from aftersales.observability import logger, metrics, tracer
from aftersales.settings import IntakeSettings

app = APIGatewayHttpResolver()
register_error_handlers(app)


@cache
def _settings() -> IntakeSettings:
    return IntakeSettings.from_env()


@cache
def _queue() -> SqsIntakeQueue:
    return SqsIntakeQueue(_settings().intake_queue_url)


@app.post("/v1/intake/web")
def intake_web() -> Response[str]:
    accepted = generic.accept(
        Channel.WEB,
        raw_body(app.current_event.raw_event),
        app.current_event.headers,
        webhook_secrets(_settings()),
        _queue(),
        correlation_id=logger.get_correlation_id(),
    )
    metrics.add_metric(name="IntakeAccepted", unit="Count", value=1)
    logger.info("intake accepted", extra={"ticket_id": accepted.ticket_id, "channel": "web"})
    return json_response(202, {"status": "accepted", "ticket_id": accepted.ticket_id})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _settings()
    return app.resolve(event, context)
