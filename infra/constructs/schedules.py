"""EventBridge scheduled rules: each ScheduleSpec invokes its function every N minutes."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constants import SCHEDULE_DESCRIPTION_PREFIX
from infra.topology import ScheduleSpec


class Schedules(Construct):
    """Rules cannot carry tags, so the spec name goes into the Description for tests to match."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        specs: tuple[ScheduleSpec, ...],
        functions: dict[str, lambda_.Function],
    ) -> None:
        super().__init__(scope, construct_id)
        self.rules: dict[str, events.Rule] = {}
        for spec in specs:
            if spec.function not in functions:
                raise ValueError(f"schedule {spec.name!r} invokes unknown function {spec.function!r}")
            rule = events.Rule(
                self,
                spec.name,
                description=f"{SCHEDULE_DESCRIPTION_PREFIX}{spec.name}",
                schedule=events.Schedule.expression(spec.expression),
            )
            # A missed tick is harmless (the next one catches up): few retries, short event age.
            rule.add_target(
                targets.LambdaFunction(
                    functions[spec.function], retry_attempts=2, max_event_age=Duration.minutes(spec.rate_minutes)
                )
            )
            self.rules[spec.name] = rule
