"""Pull channels: no webhook exists, so scheduled consumers pull and enqueue.

淘宝 TMC (HTTP consume/confirm), 京东 (after-sales list polled with a high-water mark),
拼多多 (WebSocket held within the function's time limit, restarted each minute) and
inbound email (SES → S3 → function). Reserved concurrency 1: one consumer per channel,
so two pollers never race for the same messages or high-water mark.
"""

from __future__ import annotations

from infra.topology.spec import Access, FunctionSpec, ScheduleSpec, Topology

INTAKE_PULL = Topology(
    functions=(
        FunctionSpec(
            name="poll_taobao",
            description="淘宝 TMC: consume messages, enqueue (deduped), then confirm",
            access=(Access.INTAKE_SEND, Access.IDEMPOTENCY, Access.CHANNEL_SECRETS_READ),
            memory_mb=256,
            timeout_s=55,
            reserved_concurrency=1,
        ),
        FunctionSpec(
            name="poll_jd",
            description="京东: list after-sales service orders updated since the high-water mark, enqueue",
            access=(
                Access.INTAKE_SEND,
                Access.IDEMPOTENCY,
                Access.CHANNEL_SECRETS_READ,
                Access.TICKETS_READ,
                Access.TICKETS_WRITE,
            ),
            memory_mb=256,
            timeout_s=55,
            reserved_concurrency=1,
        ),
        FunctionSpec(
            name="pdd_consumer",
            description="拼多多: hold the message WebSocket for a minute; enqueue each frame, then Ack it",
            access=(Access.INTAKE_SEND, Access.IDEMPOTENCY, Access.CHANNEL_SECRETS_READ),
            memory_mb=256,
            timeout_s=60,  # ≈ the schedule period: one socket at a time, little gap between runs
            reserved_concurrency=1,
        ),
        FunctionSpec(
            name="intake_email",
            description="Inbound email (SES → S3 inbound-email/ → ObjectCreated): parse, archive attachments, enqueue",
            access=(Access.INTAKE_SEND, Access.IDEMPOTENCY, Access.ARCHIVE_WRITE),
            memory_mb=512,
            timeout_s=30,
        ),
    ),
    routes=(),
    queues=(),
    schedules=(
        ScheduleSpec("poll-taobao", "poll_taobao", rate_minutes=1),
        ScheduleSpec("poll-jd", "poll_jd", rate_minutes=1),
        ScheduleSpec("pdd-consumer", "pdd_consumer", rate_minutes=1),
    ),
)
