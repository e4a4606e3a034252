"""Topology building blocks: plain data, no CDK or boto3 import."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Access(StrEnum):
    TICKETS_READ = "tickets:read"
    TICKETS_WRITE = "tickets:write"
    INTAKE_SEND = "intake:send"
    EVENTS_PUT = "events:put"
    WEBHOOK_SECRET_READ = "secret:webhook:read"
    IDEMPOTENCY = "idempotency:readwrite"
    CHANNEL_SECRETS_READ = "secret:channels:read"
    ARCHIVE_WRITE = "archive:write"
    MODELS_READ = "models:read"
    MODELS_WRITE = "models:write"


@dataclass(frozen=True)
class FunctionSpec:
    name: str  # folder under functions/, handler is functions/<name>/handler.py:lambda_handler
    description: str
    access: tuple[Access, ...] = ()
    memory_mb: int = 512
    timeout_s: int = 10
    reserved_concurrency: int | None = None
    #: repo-relative folders bundled into the function's code next to handler.py (e.g. data/training)
    assets: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouteSpec:
    method: str
    path: str  # API Gateway HTTP API syntax: /v1/tickets/{ticket_id}
    function: str
    auth: str = "public"  # "public" (signature checked in code) or "agent" (JWT in the cloud)


@dataclass(frozen=True)
class QueueSpec:
    name: str
    consumer: str
    batch_size: int = 10
    max_batching_window_s: int = 0
    max_receive_count: int = 5
    visibility_timeout_s: int = 60


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    function: str
    rate_minutes: int

    @property
    def expression(self) -> str:
        """EventBridge rate expression in the largest whole unit; the stack and the local runtime both use it."""
        for unit, size in (("day", 24 * 60), ("hour", 60), ("minute", 1)):
            if self.rate_minutes % size == 0:
                n = self.rate_minutes // size
                return f"rate({n} {unit if n == 1 else unit + 's'})"
        raise AssertionError("unreachable: every whole number of minutes divides by 1")


@dataclass(frozen=True)
class RuleSpec:
    name: str
    detail_types: tuple[str, ...]
    target_queue: str
    source: str = "aftersales.tickets"


@dataclass(frozen=True)
class IndexSpec:
    name: str
    partition_key: str
    sort_key: str


@dataclass(frozen=True)
class Topology:
    functions: tuple[FunctionSpec, ...]
    routes: tuple[RouteSpec, ...]
    queues: tuple[QueueSpec, ...]
    schedules: tuple[ScheduleSpec, ...] = ()
    rules: tuple[RuleSpec, ...] = ()
    ticket_indexes: tuple[IndexSpec, ...] = field(default_factory=tuple)

    def function(self, name: str) -> FunctionSpec:
        return next(f for f in self.functions if f.name == name)

    def queue(self, name: str) -> QueueSpec:
        return next(q for q in self.queues if q.name == name)


# Environment variable names the adapters read; the stack and the local gateway set them.
ENV_TICKETS_TABLE = "TICKETS_TABLE"
ENV_IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE"
ENV_EVENT_BUS = "EVENT_BUS_NAME"
ENV_INTAKE_QUEUE_URL = "INTAKE_QUEUE_URL"
ENV_WEBHOOK_SECRET_ARN = "WEBHOOK_SECRET_ARN"
ENV_CHANNEL_SECRETS_PREFIX = "CHANNEL_SECRETS_PREFIX"  # Secrets Manager name prefix, one secret per shop
ENV_ARCHIVE_BUCKET = "ARCHIVE_BUCKET"  # raw platform messages and attachments
ENV_MODEL_BUCKET = "MODEL_BUCKET"  # classifier artifacts and their manifest, under MODEL_PREFIX
ENV_MODEL_PREFIX = "MODEL_PREFIX"

INTAKE_QUEUE = "intake"


def merge(*parts: Topology) -> Topology:
    """Concerns declare their own fragments; the app is their union."""
    return Topology(
        functions=tuple(f for p in parts for f in p.functions),
        routes=tuple(r for p in parts for r in p.routes),
        queues=tuple(q for p in parts for q in p.queues),
        schedules=tuple(s for p in parts for s in p.schedules),
        rules=tuple(r for p in parts for r in p.rules),
        ticket_indexes=tuple(i for p in parts for i in p.ticket_indexes),
    )
