"""Parts of the stack that TOPOLOGY may not use yet (every Access, bus rules, schedules) pass cdk-nag too.

Builds the construct tree for a synthetic topology and runs the AwsSolutions checks on it,
without a full synthesis (about a second).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from cdk_nag import AwsSolutionsChecks

from infra.topology import (
    INTAKE_QUEUE,
    Access,
    FunctionSpec,
    QueueSpec,
    RouteSpec,
    RuleSpec,
    ScheduleSpec,
    Topology,
)

pytestmark = pytest.mark.infra

SYNTHETIC = Topology(
    functions=(
        FunctionSpec("intake_web", "every access at once", access=tuple(Access), reserved_concurrency=5),
        FunctionSpec("triage", "consumer", access=(Access.TICKETS_READ,), timeout_s=30),
    ),
    routes=(RouteSpec("POST", "/v1/intake/web", "intake_web"), RouteSpec("GET", "/v1/x", "triage", auth="agent")),
    queues=(
        QueueSpec(INTAKE_QUEUE, consumer="triage", visibility_timeout_s=180),
        QueueSpec("notify", consumer="intake_web", max_batching_window_s=5, max_receive_count=3),
    ),
    schedules=(ScheduleSpec("sweep", "triage", rate_minutes=5),),
    rules=(RuleSpec("created", ("TicketCreated",), target_queue="notify"),),
)


@pytest.fixture(scope="module")
def app(monkeypatch_module: pytest.MonkeyPatch) -> Iterator[Any]:
    from infra.app import build_app

    monkeypatch_module.setenv("AFTERSALES_SKIP_LAYER_BUILD", "1")
    with tempfile.TemporaryDirectory() as outdir:
        yield build_app(outdir, topology=SYNTHETIC)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_every_access_rule_and_schedule_is_nag_clean(app: Any) -> None:
    report = AwsSolutionsChecks().validate_scope(app)
    assert report.success, [
        (v.rule_name, [r.resource_logical_id for r in v.violating_resources]) for v in report.violations
    ]


def test_unknown_references_fail_loudly() -> None:
    from aws_cdk import App

    from infra.stack import AftersalesStack

    bad = Topology(
        functions=SYNTHETIC.functions,
        routes=SYNTHETIC.routes,
        queues=SYNTHETIC.queues,
        rules=(RuleSpec("lost", ("X",), target_queue="nowhere"),),
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AFTERSALES_SKIP_LAYER_BUILD", "1")
        with pytest.raises(ValueError, match="unknown queue"):
            AftersalesStack(App(), "Bad", topology=bad)


def test_schedule_expressions_use_the_largest_whole_unit() -> None:
    def expression(minutes: int) -> str:
        return ScheduleSpec("s", "f", rate_minutes=minutes).expression

    assert [expression(m) for m in (1, 5, 60, 90, 120, 1440, 2880)] == [
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(90 minutes)",
        "rate(2 hours)",
        "rate(1 day)",
        "rate(2 days)",
    ]
