"""The one aftersales stack: every resource is derived from TOPOLOGY, wired construct by construct."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from constructs import Construct

from infra import bundling
from infra.constants import LAMBDA_ARCHITECTURE
from infra.constructs.api import Api
from infra.constructs.archive import Archive
from infra.constructs.events import Events
from infra.constructs.functions import ARCHITECTURES, RUNTIME, Functions, Resources
from infra.constructs.monitoring import Monitoring
from infra.constructs.queues import Queues
from infra.constructs.schedules import Schedules
from infra.constructs.secrets import Secrets
from infra.constructs.tables import Tables
from infra.topology import INTAKE_QUEUE, TOPOLOGY, Topology


class AftersalesStack(Stack):
    """Serverless after-sales ticketing: HTTP API → Lambda → SQS → Lambda → DynamoDB/EventBridge."""

    def __init__(self, scope: Construct, construct_id: str, *, topology: Topology = TOPOLOGY, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.topology = topology
        self.monitoring = Monitoring(self, "Monitoring")
        self.secrets = Secrets(self, "Secrets")
        self.tables = Tables(self, "Tables", indexes=topology.ticket_indexes)
        self.archive = Archive(self, "Archive")
        self.events = Events(self, "Events")
        self.queues = Queues(self, "Queues", specs=topology.queues, monitoring=self.monitoring)
        if INTAKE_QUEUE not in self.queues.queues:
            raise ValueError(f"TOPOLOGY has no {INTAKE_QUEUE!r} queue, which intake:send needs")

        self.layers = self._layers()
        self.functions = Functions(
            self,
            "Functions",
            specs=topology.functions,
            layers=self.layers,
            resources=Resources(
                tickets=self.tables.tickets,
                ticket_index_names=self.tables.index_names,
                idempotency=self.tables.idempotency,
                intake_queue=self.queues.queues[INTAKE_QUEUE],
                bus=self.events.bus,
                webhook_secret=self.secrets.webhook,
                archive=self.archive.bucket,
            ),
        )
        functions = self.functions.functions
        for name, function in functions.items():
            self.monitoring.alarm_on_errors(function, name)
        self._consume_queues(topology, functions)
        self.events.route(topology.rules, self.queues)
        self.schedules = Schedules(self, "Schedules", specs=topology.schedules, functions=functions)
        self.api = Api(self, "Api", routes=topology.routes, functions=functions)
        self._outputs()

    def _layers(self) -> list[lambda_.ILayerVersion]:
        """Third-party dependencies and the domain package change at different paces: two layers."""
        runtime_and_arch: dict[str, Any] = {
            "compatible_runtimes": [RUNTIME],
            "compatible_architectures": [ARCHITECTURES[LAMBDA_ARCHITECTURE]],
        }
        dependencies = lambda_.LayerVersion(
            self,
            "DependenciesLayer",
            code=lambda_.Code.from_asset(str(bundling.dependencies_layer())),
            description="aftersales third-party runtime dependencies (layers/dependencies/requirements.txt)",
            **runtime_and_arch,
        )
        domain = lambda_.LayerVersion(
            self,
            "DomainLayer",
            code=lambda_.Code.from_asset(str(bundling.domain_layer())),
            description="aftersales shared domain package",
            **runtime_and_arch,
        )
        return [dependencies, domain]

    def _consume_queues(self, topology: Topology, functions: dict[str, lambda_.Function]) -> None:
        """Partial batch responses: one bad message is retried alone, not with its whole batch."""
        for spec in topology.queues:
            if spec.consumer not in functions:
                raise ValueError(f"queue {spec.name!r} is consumed by unknown function {spec.consumer!r}")
            consumer = topology.function(spec.consumer)
            if spec.visibility_timeout_s < consumer.timeout_s:
                raise ValueError(
                    f"queue {spec.name!r}: visibility timeout {spec.visibility_timeout_s}s is shorter than "
                    f"{consumer.name}'s timeout {consumer.timeout_s}s"
                )
            functions[spec.consumer].add_event_source(
                sources.SqsEventSource(
                    self.queues.queues[spec.name],
                    batch_size=spec.batch_size,
                    max_batching_window=Duration.seconds(spec.max_batching_window_s)
                    if spec.max_batching_window_s
                    else None,
                    report_batch_item_failures=True,
                )
            )

    def _outputs(self) -> None:
        CfnOutput(self, "ApiUrl", value=self.api.url)
        CfnOutput(self, "UserPoolId", value=self.api.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=self.api.client.user_pool_client_id)
        CfnOutput(self, "WebhookSecretArn", value=self.secrets.webhook.secret_arn)
        CfnOutput(self, "TicketsTableName", value=self.tables.tickets.table_name)
        CfnOutput(self, "EventBusName", value=self.events.bus.event_bus_name)
        CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn)
        CfnOutput(self, "ArchiveBucketName", value=self.archive.bucket.bucket_name)
