"""Scheduled: retrain the classifier on the training set plus agents' corrections; promote if not worse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aftersales.adapters.dynamodb_corrections import DynamoCorrectionStore
from aftersales.adapters.model_store_s3 import S3ModelStore
from aftersales.classification.retrain import retrain
from aftersales.classification.training import default_training_files, load_training_set
from aftersales.observability import logger, metrics, tracer
from aftersales.settings import RetrainSettings

# The bundle copies data/training next to this file (FunctionSpec.assets); locally the repo's copy serves.
BUNDLED_TRAINING_DIR = Path(__file__).resolve().parent / "data" / "training"


def training_files(settings: RetrainSettings) -> list[Path]:
    for folder in (settings.training_dir, BUNDLED_TRAINING_DIR):
        if folder and Path(folder).is_dir():
            return sorted(Path(folder).glob("*.tsv"))
    return default_training_files()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = RetrainSettings.from_env()
    base = load_training_set(training_files(settings))
    corrections = DynamoCorrectionStore(settings.tickets_table).list_all()
    outcome = retrain(base, corrections, S3ModelStore(settings.model_bucket, settings.model_prefix))
    metrics.add_metric(name="ClassifierRetrained", unit="Count", value=1)
    if outcome.promoted:
        metrics.add_metric(name="ClassifierPromoted", unit="Count", value=1)
    logger.info("classifier retrained", extra=outcome.summary())
    return outcome.summary()
