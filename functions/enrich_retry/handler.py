"""Scheduled: retry the platform detail calls of tickets still marked incomplete (enrichment failed earlier)."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aftersales.adapters.dynamodb_tickets import DynamoTicketRepository
from aftersales.adapters.eventbridge import EventBridgePublisher
from aftersales.adapters.model_store_s3 import serving_classifier
from aftersales.adapters.platforms import gateway_for
from aftersales.classifier_port import StoreBackedClassifier
from aftersales.observability import logger, metrics, tracer
from aftersales.settings import TicketStoreSettings
from aftersales.triage import retry_enrichment


@cache
def _deps() -> tuple[DynamoTicketRepository, EventBridgePublisher, StoreBackedClassifier]:
    settings = TicketStoreSettings.from_env()
    return (
        DynamoTicketRepository(settings.tickets_table),
        EventBridgePublisher(settings.event_bus_name),
        serving_classifier(),
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    repository, publisher, classifier = _deps()
    result = retry_enrichment(repository, publisher, classifier, gateway_for)
    metrics.add_metric(name="TicketsEnriched", unit="Count", value=result.completed)
    logger.info("enrichment retried", extra=result.as_dict())
    return result.as_dict()
