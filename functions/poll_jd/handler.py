"""Scheduled: list 京东 after-sales service orders updated since the high-water mark, enqueue them."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from aftersales.adapters.idempotency import DedupingIntakeQueue
from aftersales.adapters.platforms.jd import JdClient
from aftersales.adapters.poll_state import DynamoPollStateStore
from aftersales.adapters.sqs import SqsIntakeQueue
from aftersales.channels import jd
from aftersales.observability import logger, metrics, tracer
from aftersales.settings import EnvSettings


class JdPollSettings(EnvSettings):
    intake_queue_url: str = Field(alias="INTAKE_QUEUE_URL", min_length=1)
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)
    tickets_table: str = Field(alias="TICKETS_TABLE", min_length=1)
    shops: str = Field(default="default", alias="JD_SHOPS", description="Comma-separated shop names")
    lookback_hours: int = Field(default=24, ge=1, le=24 * 30, alias="JD_INITIAL_LOOKBACK_HOURS")


@cache
def _settings() -> JdPollSettings:
    return JdPollSettings.from_env()


@cache
def _queue() -> DedupingIntakeQueue:
    s = _settings()
    return DedupingIntakeQueue(SqsIntakeQueue(s.intake_queue_url), s.idempotency_table)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = _settings()
    store = DynamoPollStateStore(settings.tickets_table)
    summary: dict[str, Any] = {}
    for shop in [s.strip() for s in settings.shops.split(",") if s.strip()]:
        result = jd.poll(
            JdClient(shop),
            _queue(),
            store,
            shop=shop,
            lookback_ms=settings.lookback_hours * 3600 * 1000,
            correlation_id=getattr(context, "aws_request_id", None),
        )
        summary[shop] = {
            "fetched": result.fetched,
            "enqueued": result.enqueued,
            "skipped": result.skipped,
            "failed": result.failed,
            "truncated": result.truncated,
            "mark_ms": result.state.updated_ms,
        }
        metrics.add_metric(name="JdEnqueued", unit="Count", value=result.enqueued)
        if result.failed or result.truncated:
            logger.warning("JD poll incomplete; the rest comes next run", extra={"shop": shop, **summary[shop]})
    logger.info("JD poll done", extra={"summary": summary})
    return summary
