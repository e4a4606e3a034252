"""Agent API over tickets (OpenAPI generated from the pydantic models)."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from aftersales import actions, tickets
from aftersales.actions import Action
from aftersales.adapters.dynamodb_corrections import DynamoCorrectionStore
from aftersales.adapters.dynamodb_tickets import DynamoTicketRepository
from aftersales.adapters.eventbridge import EventBridgePublisher
from aftersales.adapters.platforms import gateway_for
from aftersales.http import register_error_handlers
from aftersales.models import Ticket, TicketStatus
from aftersales.observability import logger, metrics, tracer
from aftersales.ports import TicketQuery
from aftersales.settings import TicketStoreSettings
from aftersales.taxonomy import Category

app = APIGatewayHttpResolver(enable_validation=True)
register_error_handlers(app)


class TicketList(BaseModel):
    items: list[Ticket]
    next_cursor: str | None = None


class CategoryCorrection(BaseModel):
    category: Category
    expected_version: int | None = Field(default=None, ge=1)


class ActionRequest(BaseModel):
    action: Action
    text: str | None = Field(default=None, max_length=4000, description="Reply text")
    return_address: str | None = Field(default=None, max_length=500)
    reason: str | None = Field(default=None, max_length=500)
    idempotency_key: str | None = Field(
        default=None, max_length=128, description="Retries with the same key never repeat the platform call"
    )


class StatusChange(BaseModel):
    status: TicketStatus
    expected_version: int | None = Field(default=None, ge=1, description="Optimistic lock: the version you saw")
    reason: str | None = Field(default=None, max_length=500)


@cache
def _deps() -> tuple[DynamoTicketRepository, EventBridgePublisher]:
    settings = TicketStoreSettings.from_env()
    return DynamoTicketRepository(settings.tickets_table), EventBridgePublisher(settings.event_bus_name)


@cache
def _corrections() -> DynamoCorrectionStore:
    return DynamoCorrectionStore(TicketStoreSettings.from_env().tickets_table)


def _actor() -> str:
    claims = (
        app.current_event.raw_event.get("requestContext", {}).get("authorizer", {}).get("jwt", {}).get("claims", {})
    )
    return str(claims.get("email") or claims.get("sub") or "agent:local")


@app.get("/v1/tickets")
def list_tickets(
    status: Annotated[TicketStatus | None, Query()] = None,
    team: Annotated[str | None, Query(max_length=64)] = None,
    customer_id: Annotated[str | None, Query(max_length=128)] = None,
    order_id: Annotated[str | None, Query(max_length=128)] = None,
    sku: Annotated[str | None, Query(max_length=128)] = None,
    assignee: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> TicketList:
    repository, _ = _deps()
    page = tickets.list_tickets(
        repository,
        TicketQuery(
            status=status,
            team=team,
            customer_id=customer_id,
            order_id=order_id,
            sku=sku,
            assignee=assignee,
            limit=limit,
            cursor=cursor,
        ),
    )
    return TicketList(items=page.items, next_cursor=page.next_cursor)


@app.get("/v1/tickets/<ticket_id>")
def get_ticket(ticket_id: Annotated[str, Path(max_length=64)]) -> Ticket:
    repository, _ = _deps()
    return tickets.get_ticket(repository, ticket_id)


@app.post("/v1/tickets/<ticket_id>/status")
def change_status(ticket_id: Annotated[str, Path(max_length=64)], change: StatusChange) -> Ticket:
    repository, publisher = _deps()
    return tickets.change_status(
        repository,
        publisher,
        ticket_id,
        change.status,
        actor=_actor(),
        expected_version=change.expected_version,
        reason=change.reason,
    )


@app.post("/v1/tickets/<ticket_id>/category")
def correct_category(ticket_id: Annotated[str, Path(max_length=64)], correction: CategoryCorrection) -> Ticket:
    repository, publisher = _deps()
    return tickets.correct_category(
        repository,
        _corrections(),
        publisher,
        ticket_id,
        correction.category,
        actor=_actor(),
        expected_version=correction.expected_version,
    )


@app.post("/v1/tickets/<ticket_id>/actions")
def perform_action(ticket_id: Annotated[str, Path(max_length=64)], request: ActionRequest) -> Ticket:
    repository, publisher = _deps()
    return actions.perform_action(
        repository,
        publisher,
        gateway_for,
        ticket_id,
        request.action,
        actor=_actor(),
        text=request.text,
        return_address=request.return_address,
        reason=request.reason,
        idempotency_key=request.idempotency_key,
    )


@app.get("/v1/openapi.json")
def openapi() -> dict[str, Any]:
    return app.get_openapi_schema(title="Aftersales agent API", version="1.0.0").model_dump(
        mode="json", by_alias=True, exclude_none=True
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _deps()
    return app.resolve(event, context)
