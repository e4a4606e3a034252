"""Classification fragment: the scheduled retrain job (triage reads the models it promotes)."""

from __future__ import annotations

from infra.topology.spec import Access, FunctionSpec, ScheduleSpec, Topology

CLASSIFICATION = Topology(
    functions=(
        FunctionSpec(
            name="retrain",
            description="Nightly: retrain the classifier on the training set + agents' corrections, "
            "promote the new model only if it is not worse",
            access=(Access.TICKETS_READ, Access.MODELS_WRITE),
            memory_mb=3008,
            timeout_s=900,
            reserved_concurrency=1,
            assets=("data/training",),
        ),
    ),
    routes=(),
    queues=(),
    schedules=(ScheduleSpec("retrain-classifier", "retrain", rate_minutes=24 * 60),),
)
