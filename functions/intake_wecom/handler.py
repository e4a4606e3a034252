"""GET/POST /v1/intake/wecom: 企业微信 URL check and encrypted callbacks.

Customer messages go to the intake queue; 微信客服 ``kf_msg_or_event`` notifications only
enqueue a pull job on the ``kf_sync`` queue (the pull is slow; WeCom wants an answer fast).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from aftersales.adapters.idempotency import DedupingIntakeQueue
from aftersales.adapters.sqs import SqsIntakeQueue
from aftersales.channels import wechat, wecom
from aftersales.http import raw_body, register_error_handlers
from aftersales.observability import logger, metrics, tracer
from aftersales.settings import IntakeSettings

app = APIGatewayHttpResolver()
register_error_handlers(app)


class WeComIntakeSettings(IntakeSettings):
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)
    kf_sync_queue_url: str | None = Field(default=None, alias="KF_SYNC_QUEUE_URL")

    def kf_queue_url(self) -> str:
        """KF_SYNC_QUEUE_URL, else the sibling of the intake queue (``…-intake`` → ``…-kf_sync``)."""
        if self.kf_sync_queue_url:
            return self.kf_sync_queue_url
        base, _, _ = self.intake_queue_url.rpartition("intake")
        return f"{base}kf_sync"


@cache
def _settings() -> WeComIntakeSettings:
    return WeComIntakeSettings.from_env()


@cache
def _queues() -> tuple[DedupingIntakeQueue, SqsIntakeQueue]:
    settings = _settings()
    intake = DedupingIntakeQueue(SqsIntakeQueue(settings.intake_queue_url), settings.idempotency_table)
    return intake, SqsIntakeQueue(settings.kf_queue_url())


def _query() -> dict[str, str]:
    event = app.current_event
    return wechat.parse_query(event.raw_event.get("rawQueryString"), event.query_string_parameters)


@app.get("/v1/intake/wecom")
def verify_url() -> Response[str]:
    query = _query()
    plaintext = wecom.verify_url(query, wecom.keys_for(wechat.shop_from_query(query)))
    return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body=plaintext)


@app.post("/v1/intake/wecom")
def intake_wecom() -> Response[str]:
    intake, kf_jobs = _queues()
    accepted = wecom.accept(
        raw_body(app.current_event.raw_event), _query(), intake, kf_jobs, correlation_id=logger.get_correlation_id()
    )
    metrics.add_metric(name="IntakeAccepted", unit="Count", value=1)
    logger.info("intake accepted", extra={"channel": "wecom", "kind": accepted.kind, "ticket_id": accepted.ticket_id})
    return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body="")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _settings()
    return app.resolve(event, context)
