"""Durable pull cursors (微信客服 sync_msg) in the tickets table.

Item: ``PK = CURSOR#<key>``, ``SK = CURSOR``, ``cursor``, ``updated_at``. It carries no GSI
attributes, so it never shows up in ticket queries. Writes are conditional on the cursor the
caller read: two concurrent pullers cannot move it backwards (the loser gets ConcurrentUpdate;
what it enqueued is de-duplicated by message id anyway).
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from aftersales.adapters.aws import client
from aftersales.channels.wecom import CursorStore
from aftersales.errors import ConcurrentUpdate
from aftersales.models import utcnow

CURSOR_SK = "CURSOR"


class DynamoCursorStore(CursorStore):
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name
        self._ddb = client("dynamodb")

    @staticmethod
    def _key(key: str) -> dict[str, dict[str, str]]:
        return {"PK": {"S": f"CURSOR#{key}"}, "SK": {"S": CURSOR_SK}}

    def get(self, key: str) -> str | None:
        item = self._ddb.get_item(TableName=self.table_name, Key=self._key(key), ConsistentRead=True).get("Item")
        return item["cursor"]["S"] if item and "cursor" in item else None

    def put(self, key: str, value: str, expected: str | None) -> None:
        if expected is None:
            condition, values = "attribute_not_exists(PK)", {}
        else:
            condition, values = "#c = :expected", {":expected": {"S": expected}}
        try:
            self._ddb.put_item(
                TableName=self.table_name,
                Item={**self._key(key), "cursor": {"S": value}, "updated_at": {"S": utcnow().isoformat()}},
                ConditionExpression=condition,
                **({"ExpressionAttributeNames": {"#c": "cursor"}} if expected is not None else {}),
                **({"ExpressionAttributeValues": values} if values else {}),
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise ConcurrentUpdate(f"cursor {key} was moved by another puller", key=key) from None
            raise


class InMemoryCursorStore(CursorStore):
    """For unit tests and local experiments."""

    def __init__(self) -> None:
        self.cursors: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self.cursors.get(key)

    def put(self, key: str, value: str, expected: str | None) -> None:
        if self.cursors.get(key) != expected:
            raise ConcurrentUpdate(f"cursor {key} was moved by another puller", key=key)
        self.cursors[key] = value
