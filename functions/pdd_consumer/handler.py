"""Scheduled each minute: hold the 拼多多 message WebSocket until ~10 s before the time limit.

Every Common frame is enqueued (deduped on the frame id) before it is acknowledged, so
nothing is lost between one run and the next; reserved concurrency 1 keeps one socket.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from aftersales.adapters.idempotency import DedupingIntakeQueue
from aftersales.adapters.platforms.pinduoduo import open_frames
from aftersales.adapters.sqs import SqsIntakeQueue
from aftersales.channels import pinduoduo
from aftersales.observability import logger, metrics, tracer
from aftersales.settings import EnvSettings


class PddSettings(EnvSettings):
    intake_queue_url: str = Field(alias="INTAKE_QUEUE_URL", min_length=1)
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)
    shop: str = Field(default="default", alias="PDD_SHOP")
    stop_before_s: float = Field(default=10.0, ge=0, alias="PDD_STOP_BEFORE_S")


@cache
def _settings() -> PddSettings:
    return PddSettings.from_env()


@cache
def _queue() -> DedupingIntakeQueue:
    s = _settings()
    return DedupingIntakeQueue(SqsIntakeQueue(s.intake_queue_url), s.idempotency_table)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = _settings()

    def time_left_s() -> float:
        return context.get_remaining_time_in_millis() / 1000 - settings.stop_before_s

    started = time.monotonic()
    with open_frames(settings.shop) as frames:
        result = pinduoduo.consume(
            frames,
            _queue(),
            time_left_s,
            shop=settings.shop,
            correlation_id=getattr(context, "aws_request_id", None),
        )
    if result.closed_by_server:
        # Whatever was not acknowledged comes back on the next run (one minute later).
        logger.warning("PDD socket closed by the server", extra={"after_s": round(time.monotonic() - started, 1)})
    summary = dict(result.__dict__)
    metrics.add_metric(name="PddEnqueued", unit="Count", value=result.enqueued)
    if result.failed:
        metrics.add_metric(name="PddEnqueueFailed", unit="Count", value=result.failed)
    logger.info("PDD consumer done", extra={"summary": summary})
    return summary
