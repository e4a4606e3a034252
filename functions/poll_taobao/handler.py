"""Scheduled: pull 淘宝 TMC messages, enqueue them durably, then confirm them."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from aftersales.adapters.idempotency import DedupingIntakeQueue
from aftersales.adapters.platforms.taobao import HttpTmcClient
from aftersales.adapters.sqs import SqsIntakeQueue
from aftersales.channels import taobao
from aftersales.observability import logger, metrics, tracer
from aftersales.settings import EnvSettings


class PollSettings(EnvSettings):
    intake_queue_url: str = Field(alias="INTAKE_QUEUE_URL", min_length=1)
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)
    shops: str = Field(default="default", alias="TAOBAO_SHOPS", description="Comma-separated shop names")
    quantity: int = Field(default=100, ge=10, le=200, alias="TAOBAO_TMC_QUANTITY")


@cache
def _settings() -> PollSettings:
    return PollSettings.from_env()


@cache
def _queue() -> DedupingIntakeQueue:
    s = _settings()
    return DedupingIntakeQueue(SqsIntakeQueue(s.intake_queue_url), s.idempotency_table)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = _settings()
    summary: dict[str, Any] = {}
    for shop in [s.strip() for s in settings.shops.split(",") if s.strip()]:
        result = taobao.poll(
            HttpTmcClient(shop),
            _queue(),
            shop=shop,
            quantity=settings.quantity,
            time_left_s=lambda: context.get_remaining_time_in_millis() / 1000,
            correlation_id=getattr(context, "aws_request_id", None),
        )
        summary[shop] = {
            "consumed": result.consumed,
            "enqueued": result.enqueued,
            "unknown": result.unknown,
            "confirmed": len(result.confirmed),
            "failed": len(result.failed),
        }
        metrics.add_metric(name="TmcEnqueued", unit="Count", value=result.enqueued)
        if result.failed:
            metrics.add_metric(name="TmcEnqueueFailed", unit="Count", value=len(result.failed))
            logger.warning("TMC messages left unconfirmed for redelivery", extra={"shop": shop, "ids": result.failed})
    logger.info("TMC poll done", extra={"summary": summary})
    return summary
