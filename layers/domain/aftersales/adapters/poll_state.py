"""Durable poller high-water marks in the tickets table (``PK=POLL#<channel>#<shop>``, ``SK=STATE``).

Writes are conditional on the version read, so two overlapping pollers can never move
a mark backwards or both advance it.
"""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from aftersales.adapters.aws import client
from aftersales.channels.jd import PollState, PollStateStore
from aftersales.errors import ConcurrentUpdate


class DynamoPollStateStore(PollStateStore):
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @staticmethod
    def _key(channel: str, shop: str) -> dict[str, dict[str, str]]:
        return {"PK": {"S": f"POLL#{channel}#{shop}"}, "SK": {"S": "STATE"}}

    def load(self, channel: str, shop: str) -> PollState:
        item = (
            client("dynamodb")
            .get_item(TableName=self.table_name, Key=self._key(channel, shop), ConsistentRead=True)
            .get("Item")
        )
        if not item:
            return PollState()
        return PollState(
            updated_ms=int(item["updated_ms"]["N"]),
            ids_at=list(json.loads(item["ids_at"]["S"])),
            version=int(item["version"]["N"]),
        )

    def save(self, channel: str, shop: str, state: PollState) -> PollState:
        new_version = state.version + 1
        item = {
            **self._key(channel, shop),
            "updated_ms": {"N": str(state.updated_ms)},
            "ids_at": {"S": json.dumps(state.ids_at)},
            "version": {"N": str(new_version)},
        }
        if state.version == 0:
            condition, values = "attribute_not_exists(PK)", None
        else:
            condition, values = "version = :v", {":v": {"N": str(state.version)}}
        kwargs = {"TableName": self.table_name, "Item": item, "ConditionExpression": condition}
        if values:
            kwargs["ExpressionAttributeValues"] = values
        try:
            client("dynamodb").put_item(**kwargs)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise ConcurrentUpdate(f"poll state {channel}/{shop} changed by another poller") from None
            raise
        return PollState(updated_ms=state.updated_ms, ids_at=list(state.ids_at), version=new_version)
