"""moto-backed AWS for integration tests, with resources created from the shared topology."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from aftersales.adapters import aws
from infra.topology import TOPOLOGY


def create_tickets_table(name: str) -> None:
    attrs = (
        {"PK", "SK"}
        | {i.partition_key for i in TOPOLOGY.ticket_indexes}
        | {i.sort_key for i in TOPOLOGY.ticket_indexes}
    )
    boto3.client("dynamodb").create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in sorted(attrs)],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": i.name,
                "KeySchema": [
                    {"AttributeName": i.partition_key, "KeyType": "HASH"},
                    {"AttributeName": i.sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for i in TOPOLOGY.ticket_indexes
        ],
    )


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Tickets table, idempotency table, intake queue + DLQ and bus, env vars set like the stack does."""
    with mock_aws():
        aws.reset()
        create_tickets_table("tickets")
        boto3.client("dynamodb").create_table(
            TableName="idempotency",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
        sqs = boto3.client("sqs")
        dlq = sqs.create_queue(QueueName="intake-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue = sqs.create_queue(
            QueueName="intake",
            Attributes={"RedrivePolicy": f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"5"}}'},
        )["QueueUrl"]
        boto3.client("events").create_event_bus(Name="aftersales")
        env = {
            "TICKETS_TABLE": "tickets",
            "IDEMPOTENCY_TABLE": "idempotency",
            "INTAKE_QUEUE_URL": queue,
            "EVENT_BUS_NAME": "aftersales",
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        yield {**env, "dlq_url": dlq}
        aws.reset()
