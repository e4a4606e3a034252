"""Create the cloud resources the topology declares, in moto, and the env vars that find them.

Nothing here is hand-listed: tables, indexes, queues, DLQs, rules and schedules are all
derived from ``TOPOLOGY``. Queues carry the same ``aftersales:queue``/``aftersales:dlq`` tags
as in the CDK stack, so ops tooling (``aftersales dlq``) finds them the same way everywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from infra.constants import MODEL_PREFIX
from infra.topology import spec as topology_spec
from infra.topology.spec import (
    ENV_ARCHIVE_BUCKET,
    ENV_CHANNEL_SECRETS_PREFIX,
    ENV_EVENT_BUS,
    ENV_IDEMPOTENCY_TABLE,
    ENV_INTAKE_QUEUE_URL,
    ENV_MODEL_BUCKET,
    ENV_MODEL_PREFIX,
    ENV_TICKETS_TABLE,
    ENV_WEBHOOK_SECRET_ARN,
    INTAKE_QUEUE,
    Topology,
)

PREFIX = "aftersales-local"
QUEUE_TAG = "aftersales:queue"
DLQ_TAG = "aftersales:dlq"
SCHEDULE_DESCRIPTION = "aftersales:schedule="
RULE_DESCRIPTION = "aftersales:rule="


@dataclass
class QueueResource:
    name: str
    url: str
    arn: str
    dlq_url: str
    dlq_arn: str


@dataclass
class Resources:
    """What was actually created; the runtime wires pollers and env vars from this, not from the spec."""

    tickets_table: str
    idempotency_table: str
    event_bus: str
    bucket: str
    webhook_secret_arn: str | None
    channel_secrets_prefix: str
    queues: dict[str, QueueResource] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)  # rule name -> rule ARN
    schedules: dict[str, str] = field(default_factory=dict)  # schedule name -> rule ARN

    def env(self) -> dict[str, str]:
        """Values for every ``ENV_*`` name in the topology; an unknown name is a drift error."""
        values: dict[str, str] = {
            ENV_TICKETS_TABLE: self.tickets_table,
            ENV_IDEMPOTENCY_TABLE: self.idempotency_table,
            ENV_EVENT_BUS: self.event_bus,
            ENV_ARCHIVE_BUCKET: self.bucket,
            ENV_MODEL_BUCKET: self.bucket,
            ENV_MODEL_PREFIX: MODEL_PREFIX,
            ENV_CHANNEL_SECRETS_PREFIX: self.channel_secrets_prefix,
        }
        if INTAKE_QUEUE in self.queues:
            values[ENV_INTAKE_QUEUE_URL] = self.queues[INTAKE_QUEUE].url
        if self.webhook_secret_arn:
            values[ENV_WEBHOOK_SECRET_ARN] = self.webhook_secret_arn
        unknown = set(declared_env_names()) - set(values) - {ENV_WEBHOOK_SECRET_ARN}
        if unknown:
            raise RuntimeError(
                f"infra/topology declares env vars the local runtime does not provide: {sorted(unknown)}; "
                "teach local/resources.py how to create and name them"
            )
        return values


def declared_env_names() -> list[str]:
    """Every ``ENV_*`` constant in the topology spec (the names functions may read)."""
    return [str(getattr(topology_spec, n)) for n in dir(topology_spec) if n.startswith("ENV_")]


def _tags_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def create_resources(session: Any, topology: Topology, webhook_secret: str | None) -> Resources:
    """Create everything in the moto server behind ``session``'s endpoint."""
    ddb = session.client("dynamodb")
    sqs = session.client("sqs")
    events = session.client("events")
    s3 = session.client("s3")

    tickets_table = f"{PREFIX}-tickets"
    attrs = {"PK", "SK"}
    for index in topology.ticket_indexes:
        attrs |= {index.partition_key, index.sort_key}
    create_kwargs: dict[str, Any] = {
        "TableName": tickets_table,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in sorted(attrs)],
        "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
    }
    if topology.ticket_indexes:
        create_kwargs["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.partition_key, "KeyType": "HASH"},
                    {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in topology.ticket_indexes
        ]
    ddb.create_table(**create_kwargs)

    idempotency_table = f"{PREFIX}-idempotency"
    ddb.create_table(
        TableName=idempotency_table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    ddb.update_time_to_live(
        TableName=idempotency_table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"}
    )

    bucket = f"{PREFIX}-archive"
    s3.create_bucket(Bucket=bucket)

    secret_arn: str | None = None
    if webhook_secret is not None:
        secret_arn = session.client("secretsmanager").create_secret(
            Name=f"{PREFIX}/webhook", SecretString=json.dumps({"current": webhook_secret})
        )["ARN"]

    event_bus = f"{PREFIX}-bus"
    events.create_event_bus(Name=event_bus)

    resources = Resources(
        tickets_table=tickets_table,
        idempotency_table=idempotency_table,
        event_bus=event_bus,
        bucket=bucket,
        webhook_secret_arn=secret_arn,
        # Locally channel credentials come from config/dev-credentials.json; the prefix is still set.
        channel_secrets_prefix=f"{PREFIX}/channels",
    )

    for queue in topology.queues:
        dlq_url = sqs.create_queue(
            QueueName=f"{PREFIX}-{queue.name}-dlq",
            Attributes={"MessageRetentionPeriod": str(14 * 24 * 3600)},
            tags={DLQ_TAG: queue.name},
        )["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = sqs.create_queue(
            QueueName=f"{PREFIX}-{queue.name}",
            Attributes={
                "VisibilityTimeout": str(queue.visibility_timeout_s),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.max_receive_count}
                ),
            },
            tags={QUEUE_TAG: queue.name},
        )["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        resources.queues[queue.name] = QueueResource(queue.name, url, arn, dlq_url, dlq_arn)

    for rule in topology.rules:
        target = resources.queues.get(rule.target_queue)
        if target is None:
            raise RuntimeError(f"rule {rule.name!r} targets undeclared queue {rule.target_queue!r}")
        rule_arn = events.put_rule(
            Name=f"{PREFIX}-{rule.name}",
            EventBusName=event_bus,
            EventPattern=json.dumps({"source": [rule.source], "detail-type": list(rule.detail_types)}),
            Description=f"{RULE_DESCRIPTION}{rule.name}",
            State="ENABLED",
        )["RuleArn"]
        events.put_targets(
            Rule=f"{PREFIX}-{rule.name}",
            EventBusName=event_bus,
            Targets=[{"Id": f"queue-{rule.target_queue}", "Arn": target.arn}],
        )
        resources.rules[rule.name] = rule_arn

    for schedule in topology.schedules:
        # moto stores but never fires schedules: the local Scheduler ticks them and uses this ARN.
        resources.schedules[schedule.name] = events.put_rule(
            Name=f"{PREFIX}-schedule-{schedule.name}",
            ScheduleExpression=schedule.expression,
            Description=f"{SCHEDULE_DESCRIPTION}{schedule.name}",
            State="ENABLED",
        )["RuleArn"]

    return resources


def wired_rules(session: Any, resources: Resources) -> tuple[set[str], set[str]]:
    """Rule and schedule names read back from moto (what exists, not what we meant to create)."""
    events = session.client("events")
    rules: set[str] = set()
    schedules: set[str] = set()
    for bus in (resources.event_bus, "default"):
        for rule in events.list_rules(EventBusName=bus).get("Rules", []):
            description = rule.get("Description") or ""
            if description.startswith(RULE_DESCRIPTION) and events.list_targets_by_rule(
                Rule=rule["Name"], EventBusName=bus
            ).get("Targets"):
                rules.add(description.removeprefix(RULE_DESCRIPTION))
            elif description.startswith(SCHEDULE_DESCRIPTION):
                schedules.add(description.removeprefix(SCHEDULE_DESCRIPTION))
    return rules, schedules
