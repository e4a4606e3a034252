"""Scheduled: retrain the classifier on the training set plus agents' corrections; promote if not worse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aftersales.adapters.dynamodb_corrections import DynamoCorrectionStore
from aftersales.adapters.model_store_s3 import S3ModelStore
from aftersales.classification.retrain import retrain
from aftersales.classification.training import (
    default_training_dir,
    default_training_files,
    load_augmenter,
    load_training_set,
)
from aftersales.observability import logger, metrics, tracer
from aftersales.settings import RetrainSettings

# The bundle copies data/training next to this file (FunctionSpec.assets); locally the repo's copy serves.
BUNDLED_TRAINING_DIR = Path(__file__).resolve().parent / "data" / "training"


def training_dir(settings: RetrainSettings) -> Path | None:
    for folder in (settings.training_dir, BUNDLED_TRAINING_DIR):
        if folder and Path(folder).is_dir():
            return Path(folder)
    return default_training_dir()


def training_files(settings: RetrainSettings) -> list[Path]:
    folder = training_dir(settings)
    return sorted(folder.glob("*.tsv")) if folder else default_training_files()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = RetrainSettings.from_env()
    base = load_training_set(training_files(settings))
    corrections = DynamoCorrectionStore(settings.tickets_table).list_all()
    store = S3ModelStore(settings.model_bucket, settings.model_prefix)
    outcome = retrain(base, corrections, store, augment=load_augmenter(training_dir(settings)))
    metrics.add_metric(name="ClassifierRetrained", unit="Count", value=1)
    if outcome.promoted:
        metrics.add_metric(name="ClassifierPromoted", unit="Count", value=1)
    logger.info("classifier retrained", extra=outcome.summary())
    return outcome.summary()
