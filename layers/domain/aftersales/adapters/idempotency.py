"""Platform retries absorbed at the edge: Powertools idempotency on the platform's message id."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from aftersales.adapters.aws import client
from aftersales.ports import IntakeQueue

DEFAULT_WINDOW_S = 3 * 24 * 3600  # longest platform retry/redelivery window we know of (微信客服: 3 days)


class DedupingIntakeQueue(IntakeQueue):
    """Sends each ``dedup_id`` once within the window; a duplicate is acknowledged, not re-sent."""

    def __init__(self, inner: IntakeQueue, table_name: str, window_s: int = DEFAULT_WINDOW_S) -> None:
        self.inner = inner
        persistence = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client("dynamodb"))
        config = IdempotencyConfig(expires_after_seconds=window_s, raise_on_no_idempotency_key=True)

        @idempotent_function(data_keyword_argument="delivery", persistence_store=persistence, config=config)
        def _send_once(delivery: dict[str, str], body: str) -> dict[str, Any]:
            self.inner.send(body, delivery["dedup_id"])
            return {"sent": delivery["dedup_id"]}

        self._send_once = _send_once

    def send(self, body: str, dedup_id: str) -> None:
        self._send_once(delivery={"dedup_id": dedup_id}, body=body)
