"""SQS intake queue."""

from __future__ import annotations

from aftersales.adapters.aws import client
from aftersales.ports import IntakeQueue


class SqsIntakeQueue(IntakeQueue):
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url
        self._sqs = client("sqs")

    def send(self, body: str, dedup_id: str) -> None:
        # Standard queue: duplicates are absorbed downstream by the deterministic ticket id.
        self._sqs.send_message(
            QueueUrl=self.queue_url,
            MessageBody=body,
            MessageAttributes={"dedup_id": {"DataType": "String", "StringValue": dedup_id[:256]}},
        )
