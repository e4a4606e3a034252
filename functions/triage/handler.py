"""Intake queue consumer: one ticket per message, partial batch failures reported to SQS."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from aftersales.adapters.dynamodb_tickets import DynamoTicketRepository
from aftersales.adapters.eventbridge import EventBridgePublisher
from aftersales.adapters.model_store_s3 import serving_classifier
from aftersales.adapters.platforms import gateway_for
from aftersales.classifier_port import StoreBackedClassifier
from aftersales.intake.message import IntakeMessage
from aftersales.observability import logger, metrics, tracer
from aftersales.settings import TicketStoreSettings
from aftersales.triage import triage

# Report every failure per item (even a whole-batch failure) so SQS retries exactly those.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@cache
def _deps() -> tuple[DynamoTicketRepository, EventBridgePublisher]:
    settings = TicketStoreSettings.from_env()
    return DynamoTicketRepository(settings.tickets_table), EventBridgePublisher(settings.event_bus_name)


@cache
def _classifier() -> StoreBackedClassifier:
    return serving_classifier()


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    message = IntakeMessage.model_validate_json(record.body)
    logger.append_keys(ticket_id=message.ticket_id, correlation_id=message.correlation_id)
    repository, publisher = _deps()
    ticket = triage(message, repository, publisher, _classifier(), gateways=gateway_for)
    metrics.add_metric(name="TicketTriaged", unit="Count", value=1)
    if ticket is None:
        logger.info("unknown platform event kept", extra={"channel": message.channel.value})
        return
    logger.info("ticket triaged", extra={"category": ticket.category.value, "status": ticket.status.value})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    _deps()
    _classifier().current()  # load the model before the batch (cold start), re-check the store when due
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
