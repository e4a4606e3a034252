"""kf_sync queue consumer: pull 微信客服 messages (kf/sync_msg) and enqueue them for triage."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from aftersales.adapters.cursor_store import DynamoCursorStore
from aftersales.adapters.idempotency import DedupingIntakeQueue
from aftersales.adapters.platforms.wecom import WeComClient
from aftersales.adapters.sqs import SqsIntakeQueue
from aftersales.channels.wecom import KfSyncJob, sync_kf
from aftersales.observability import logger, metrics, tracer
from aftersales.settings import IntakeSettings

processor = BatchProcessor(event_type=EventType.SQS)


class KfSyncSettings(IntakeSettings):
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)
    tickets_table: str = Field(alias="TICKETS_TABLE", min_length=1)  # cursors live here


@cache
def _deps() -> tuple[DedupingIntakeQueue, DynamoCursorStore]:
    settings = KfSyncSettings.from_env()
    queue = DedupingIntakeQueue(SqsIntakeQueue(settings.intake_queue_url), settings.idempotency_table)
    return queue, DynamoCursorStore(settings.tickets_table)


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    job = KfSyncJob.model_validate_json(record.body)
    logger.append_keys(open_kfid=job.open_kfid, correlation_id=job.correlation_id)
    queue, cursors = _deps()
    result = sync_kf(job, WeComClient(job.shop), cursors, queue)
    metrics.add_metric(name="KfMessagesEnqueued", unit="Count", value=result.enqueued)
    logger.info("kf sync done", extra={"enqueued": result.enqueued, "skipped": result.skipped, "pages": result.pages})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _deps()
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
