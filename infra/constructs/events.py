"""EventBridge: the custom ticket bus and one rule per RuleSpec, delivering to its SQS queue."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from constructs import Construct

from infra.constants import RULE_DESCRIPTION_PREFIX
from infra.constructs.queues import Queues
from infra.topology import RuleSpec


class Events(Construct):
    """Domain events flow bus → rule → queue → consumer, so consumers get retries and a DLQ."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(self, "Bus", description="Aftersales ticket domain events")
        self.rules: dict[str, events.Rule] = {}

    def route(self, specs: tuple[RuleSpec, ...], queues: Queues) -> None:
        """Events that cannot be delivered land in the target queue's DLQ, which is already alarmed."""
        for spec in specs:
            if spec.target_queue not in queues.queues:
                raise ValueError(f"rule {spec.name!r} targets unknown queue {spec.target_queue!r}")
            rule = events.Rule(
                self,
                f"Rule-{spec.name}",
                event_bus=self.bus,
                description=f"{RULE_DESCRIPTION_PREFIX}{spec.name}",
                event_pattern=events.EventPattern(source=[spec.source], detail_type=list(spec.detail_types)),
            )
            rule.add_target(
                targets.SqsQueue(
                    queues.queues[spec.target_queue],
                    dead_letter_queue=queues.dlqs[spec.target_queue],
                    retry_attempts=8,
                    max_event_age=Duration.hours(24),
                )
            )
            self.rules[spec.name] = rule
