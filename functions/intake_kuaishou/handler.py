"""POST /v1/intake/kuaishou: 快手小店 push. Decrypt (AES-CBC), enqueue once (dedup on msgId), ack."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from aftersales.adapters.credentials import channel_credentials
from aftersales.adapters.idempotency import DedupingIntakeQueue
from aftersales.adapters.sqs import SqsIntakeQueue
from aftersales.channels import kuaishou
from aftersales.channels.generic_channels import ChannelIntakeSettings
from aftersales.http import json_response, raw_body, register_error_handlers
from aftersales.observability import logger, metrics, tracer

app = APIGatewayHttpResolver()
register_error_handlers(app)


class KuaishouIntakeSettings(ChannelIntakeSettings):
    # The success reply 快手 expects is unconfirmed: configurable, default from data/kuaishou_events.json.
    push_reply: str | None = Field(default=None, alias="KUAISHOU_PUSH_REPLY")


@cache
def _settings() -> KuaishouIntakeSettings:
    return KuaishouIntakeSettings.from_env()


@cache
def _reply() -> Any:
    configured = _settings().push_reply
    return json.loads(configured) if configured else kuaishou.default_reply()


@cache
def _queue() -> DedupingIntakeQueue:
    settings = _settings()
    return DedupingIntakeQueue(SqsIntakeQueue(settings.intake_queue_url), settings.idempotency_table)


@app.post("/v1/intake/kuaishou")
def intake_kuaishou() -> Response[str]:
    shop = app.current_event.get_query_string_value("shop", "default") or "default"
    message = kuaishou.accept(
        raw_body(app.current_event.raw_event),
        app.current_event.headers,
        _queue(),
        channel_credentials,
        shop=shop,
        correlation_id=logger.get_correlation_id(),
    )
    metrics.add_metric(name="IntakeAccepted", unit="Count", value=1)
    logger.info(
        "kuaishou push accepted",
        extra={"channel": "kuaishou", "event": message.platform_event, "external_id": message.external_id},
    )
    return json_response(200, _reply())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _settings()
    return app.resolve(event, context)
