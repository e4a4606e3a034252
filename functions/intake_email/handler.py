"""S3 ObjectCreated (SES receipt rule stored a mail under ``inbound-email/``): parse, enqueue.

Attachments are copied to the archive bucket; the message is de-duplicated on its
Message-ID, so an S3 event delivered twice (or the same mail received twice) opens
nothing twice. A failure raises, so Lambda's async retries try again.
"""

from __future__ import annotations

import urllib.parse
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from aftersales.adapters.idempotency import DedupingIntakeQueue
from aftersales.adapters.s3_archive import S3RawArchive, read_object
from aftersales.adapters.sqs import SqsIntakeQueue
from aftersales.channels import email as email_channel
from aftersales.observability import logger, metrics, tracer
from aftersales.settings import EnvSettings


class EmailSettings(EnvSettings):
    intake_queue_url: str = Field(alias="INTAKE_QUEUE_URL", min_length=1)
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)
    archive_bucket: str = Field(alias="ARCHIVE_BUCKET", min_length=1)
    prefix: str = Field(default="inbound-email/", alias="INBOUND_EMAIL_PREFIX")


@cache
def _settings() -> EmailSettings:
    return EmailSettings.from_env()


@cache
def _queue() -> DedupingIntakeQueue:
    s = _settings()
    return DedupingIntakeQueue(SqsIntakeQueue(s.intake_queue_url), s.idempotency_table)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = _settings()
    archive = S3RawArchive(settings.archive_bucket)
    accepted: list[dict[str, str]] = []
    for record in event.get("Records", []):
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        if not key.startswith(settings.prefix):
            logger.info("ignoring object outside the inbound prefix", extra={"key": key})
            continue
        raw = read_object(bucket, key)
        message = email_channel.to_intake(
            raw, archive, source_ref=f"s3://{bucket}/{key}", correlation_id=getattr(context, "aws_request_id", None)
        )
        _queue().send(message.model_dump_json(), dedup_id=email_channel.dedup_id(message))
        metrics.add_metric(name="EmailAccepted", unit="Count", value=1)
        logger.info(
            "email accepted",
            extra={"ticket_id": message.ticket_id, "event_type": message.event_type, "key": key},
        )
        accepted.append({"key": key, "ticket_id": message.ticket_id, "event_type": message.event_type})
    return {"accepted": accepted}
