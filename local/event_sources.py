"""Lambda event source mappings for SQS, and EventBridge schedules, emulated with threads.

The poller follows the SQS → Lambda contract: a batch of records in, ``batchItemFailures``
out; records not reported as failed are deleted, nothing is deleted if the handler raised.
Failed records are made visible again after a short local delay instead of the queue's
visibility timeout, so retries and the DLQ redrive (done by moto on receive, per the
queue's RedrivePolicy) happen in seconds on a laptop.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from infra.topology import QueueSpec, ScheduleSpec
from local.resources import QueueResource
from local.runtime import ACCOUNT_ID, REGION, LambdaRuntime

log = logging.getLogger("local.event_sources")


def sqs_record(message: dict[str, Any], queue_arn: str, region: str = REGION) -> dict[str, Any]:
    """One record of an SQS Lambda event, shaped as the Lambda service delivers it."""
    attributes = {
        k: v
        for k, v in (message.get("Attributes") or {}).items()
        if k
        in (
            "ApproximateReceiveCount",
            "SentTimestamp",
            "SenderId",
            "ApproximateFirstReceiveTimestamp",
            "SequenceNumber",
            "MessageGroupId",
            "MessageDeduplicationId",
            "AWSTraceHeader",
        )
    }
    message_attributes: dict[str, Any] = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        converted: dict[str, Any] = {
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value.get("DataType", "String"),
        }
        if "StringValue" in value:
            converted["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            converted["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
        message_attributes[name] = converted
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def failed_ids(result: Any) -> set[str]:
    """Message ids the handler reported in ``batchItemFailures`` (ReportBatchItemFailures)."""
    if not isinstance(result, dict):
        return set()
    return {str(f.get("itemIdentifier")) for f in result.get("batchItemFailures") or [] if isinstance(f, dict)}


class QueuePoller(threading.Thread):
    """One event source mapping: long-poll, invoke the consumer, delete or retry."""

    def __init__(
        self,
        spec: QueueSpec,
        queue: QueueResource,
        sqs: Any,
        runtime: LambdaRuntime,
        stop: threading.Event,
        retry_delay_s: int = 2,
    ) -> None:
        super().__init__(name=f"sqs-poller-{spec.name}", daemon=True)
        self.spec = spec
        self.queue = queue
        self.sqs = sqs
        self.runtime = runtime
        self.stop_event = stop
        self.retry_delay_s = retry_delay_s
        self.batches = 0

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.poll_once()
            except Exception:
                if self.stop_event.is_set():
                    return
                log.exception("poller %s failed; retrying", self.spec.name)
                self.stop_event.wait(1)

    def poll_once(self) -> None:
        response = self.sqs.receive_message(
            QueueUrl=self.queue.url,
            MaxNumberOfMessages=max(1, min(self.spec.batch_size, 10)),
            WaitTimeSeconds=1,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages") or []
        if not messages or self.stop_event.is_set():
            return
        event = {"Records": [sqs_record(m, self.queue.arn) for m in messages]}
        self.batches += 1
        try:
            record = self.runtime.invoke(self.spec.consumer, event, source=f"sqs:{self.spec.name}")
        except Exception:
            log.exception("%s raised on a batch of %d: every record will be retried", self.spec.consumer, len(messages))
            self._retry(messages)
            return
        failures = failed_ids(record.result)
        self._retry([m for m in messages if m["MessageId"] in failures])
        done = [m for m in messages if m["MessageId"] not in failures]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue.url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )

    def _retry(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            self.sqs.change_message_visibility(
                QueueUrl=self.queue.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=self.retry_delay_s
            )


def scheduled_event(rule_arn: str, region: str = REGION, now: datetime | None = None) -> dict[str, Any]:
    """The EventBridge 'Scheduled Event' payload a rate() rule delivers to Lambda."""
    moment = now or datetime.now(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


class Scheduler(threading.Thread):
    """Ticks one ScheduleSpec; ``speedup`` divides the period for demos."""

    def __init__(
        self, spec: ScheduleSpec, rule_arn: str, runtime: LambdaRuntime, stop: threading.Event, speedup: float = 1.0
    ) -> None:
        super().__init__(name=f"schedule-{spec.name}", daemon=True)
        self.spec = spec
        self.rule_arn = rule_arn
        self.runtime = runtime
        self.stop_event = stop
        self.period_s = spec.rate_minutes * 60 / max(speedup, 1e-6)
        self.ticks = 0

    def run(self) -> None:
        next_at = time.monotonic() + self.period_s  # rate() rules first fire one period after creation
        while not self.stop_event.wait(max(0.0, next_at - time.monotonic())):
            next_at += self.period_s
            try:
                self.fire()
            except Exception:
                log.exception("schedule %s: %s raised", self.spec.name, self.spec.function)

    def fire(self) -> Any:
        self.ticks += 1
        return self.runtime.invoke(
            self.spec.function, scheduled_event(self.rule_arn), source=f"schedule:{self.spec.name}"
        ).result
