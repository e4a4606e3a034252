"""Category corrections in the tickets table (PK ``CORRECTION``, SK ``<at>#<ticket>``).

Corrections are few (one per agent fix), so a single partition read in full by the
retrain job is the simplest correct design.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from aftersales.adapters.aws import client
from aftersales.classification.corrections import Correction
from aftersales.ports import CorrectionStore

PK = "CORRECTION"


class DynamoCorrectionStore(CorrectionStore):
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name
        self._ddb = client("dynamodb")

    def save(self, correction: Correction) -> None:
        sk = f"{correction.corrected_at.isoformat()}#{correction.ticket_id or '-'}"
        try:
            self._ddb.put_item(
                TableName=self.table_name,
                Item={"PK": {"S": PK}, "SK": {"S": sk}, "doc": {"S": correction.model_dump_json()}},
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def list_all(self) -> list[Correction]:
        out: list[Correction] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": PK}},
        }
        while True:
            response = self._ddb.query(**kwargs)
            out.extend(Correction.model_validate(json.loads(i["doc"]["S"])) for i in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return out
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
