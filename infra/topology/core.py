"""Core fragment: generic intake, triage and the agent API."""

from __future__ import annotations

from infra.topology.spec import (
    INTAKE_QUEUE,
    Access,
    FunctionSpec,
    IndexSpec,
    QueueSpec,
    RouteSpec,
    ScheduleSpec,
    Topology,
)

CORE = Topology(
    functions=(
        FunctionSpec(
            name="intake_web",
            description="Generic signed JSON intake (web, web chat, SMS, phone, partners): verify, enqueue, 202",
            access=(Access.INTAKE_SEND, Access.WEBHOOK_SECRET_READ),
            memory_mb=256,
            timeout_s=5,
        ),
        FunctionSpec(
            name="triage",
            description="Intake queue consumer: classify, store the ticket, announce TicketCreated",
            access=(
                Access.TICKETS_READ,
                Access.TICKETS_WRITE,
                Access.EVENTS_PUT,
                Access.CHANNEL_SECRETS_READ,  # platform clients: enrichment / after-sale operations
                Access.IDEMPOTENCY,
                Access.MODELS_READ,  # the approved classifier model
            ),
            memory_mb=1024,
            timeout_s=30,
        ),
        FunctionSpec(
            name="tickets_api",
            description="Agent API over tickets",
            access=(
                Access.TICKETS_READ,
                Access.TICKETS_WRITE,
                Access.EVENTS_PUT,
                Access.CHANNEL_SECRETS_READ,  # platform clients: enrichment / after-sale operations
                Access.IDEMPOTENCY,
            ),
            memory_mb=512,
            timeout_s=10,
        ),
        FunctionSpec(
            name="enrich_retry",
            description="Every 15 min: retry platform detail calls for tickets still marked incomplete",
            access=(
                Access.TICKETS_READ,
                Access.TICKETS_WRITE,
                Access.EVENTS_PUT,
                Access.CHANNEL_SECRETS_READ,
                Access.IDEMPOTENCY,
                Access.MODELS_READ,
            ),
            memory_mb=512,
            timeout_s=300,
            reserved_concurrency=1,
        ),
    ),
    routes=(
        RouteSpec("POST", "/v1/intake/web", "intake_web"),
        RouteSpec("GET", "/v1/tickets", "tickets_api", auth="agent"),
        RouteSpec("GET", "/v1/tickets/{ticket_id}", "tickets_api", auth="agent"),
        RouteSpec("POST", "/v1/tickets/{ticket_id}/status", "tickets_api", auth="agent"),
        RouteSpec("POST", "/v1/tickets/{ticket_id}/category", "tickets_api", auth="agent"),
        RouteSpec("POST", "/v1/tickets/{ticket_id}/actions", "tickets_api", auth="agent"),
        RouteSpec("GET", "/v1/openapi.json", "tickets_api"),
    ),
    schedules=(ScheduleSpec("enrich-retry", "enrich_retry", rate_minutes=15),),
    queues=(QueueSpec(INTAKE_QUEUE, consumer="triage", batch_size=10, max_receive_count=5, visibility_timeout_s=180),),
    ticket_indexes=(
        IndexSpec("queue", "GSI1PK", "GSI1SK"),
        IndexSpec("customer", "GSI2PK", "GSI2SK"),
        IndexSpec("order", "GSI3PK", "GSI3SK"),
        IndexSpec("sku", "GSI4PK", "GSI4SK"),
        IndexSpec("sla", "GSI5PK", "GSI5SK"),
        IndexSpec("assignee", "GSI6PK", "GSI6SK"),
        IndexSpec("status", "GSI7PK", "GSI7SK"),
        IndexSpec("feed", "GSI8PK", "GSI8SK"),
    ),
)
