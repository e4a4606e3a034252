"""SQS: every QueueSpec becomes an encrypted, TLS-only queue with its own DLQ and DLQ alarm."""

from __future__ import annotations

from aws_cdk import Duration, Tags
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constants import DLQ_RETENTION_DAYS, TAG_DLQ, TAG_QUEUE
from infra.constructs.monitoring import Monitoring
from infra.topology import QueueSpec


class Queues(Construct):
    """``queues[name]`` / ``dlqs[name]`` by QueueSpec name."""

    def __init__(
        self, scope: Construct, construct_id: str, *, specs: tuple[QueueSpec, ...], monitoring: Monitoring
    ) -> None:
        super().__init__(scope, construct_id)
        self.queues: dict[str, sqs.Queue] = {}
        self.dlqs: dict[str, sqs.Queue] = {}
        for spec in specs:
            dlq = sqs.Queue(
                self,
                f"{spec.name}-dlq",
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                retention_period=Duration.days(DLQ_RETENTION_DAYS),
            )
            queue = sqs.Queue(
                self,
                spec.name,
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                visibility_timeout=Duration.seconds(spec.visibility_timeout_s),
                dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=spec.max_receive_count),
            )
            Tags.of(queue).add(TAG_QUEUE, spec.name)
            Tags.of(dlq).add(TAG_DLQ, spec.name)
            monitoring.alarm_on_dlq(dlq, spec.name)
            self.queues[spec.name] = queue
            self.dlqs[spec.name] = dlq
