"""DynamoDB single-table ticket repository. Access patterns: docs/data-model.md."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from aftersales.adapters.aws import client
from aftersales.errors import AlreadyExists, ConcurrentUpdate, NotFound, ValidationFailed
from aftersales.models import OPEN_STATUSES, Ticket, utcnow
from aftersales.ports import TicketPage, TicketQuery, TicketRepository

TICKET_SK = "TICKET"
ALIAS_SK = "ALIAS"
FEED_MONTHS_BACK = 12

# index name -> (partition attribute, sort attribute)
INDEXES: dict[str, tuple[str, str]] = {
    "queue": ("GSI1PK", "GSI1SK"),
    "customer": ("GSI2PK", "GSI2SK"),
    "order": ("GSI3PK", "GSI3SK"),
    "sku": ("GSI4PK", "GSI4SK"),
    "sla": ("GSI5PK", "GSI5SK"),
    "assignee": ("GSI6PK", "GSI6SK"),
    "status": ("GSI7PK", "GSI7SK"),
    "feed": ("GSI8PK", "GSI8SK"),
}
_KEY_ATTRS = {"PK", "SK"} | {a for pair in INDEXES.values() for a in pair}


def _iso(value: datetime) -> str:
    return value.isoformat()


def index_keys(ticket: Ticket) -> dict[str, str]:
    """Key attributes for every GSI the ticket belongs to; absent attributes keep indexes sparse."""
    created = _iso(ticket.created_at)
    keys = {
        "PK": f"TICKET#{ticket.id}",
        "SK": TICKET_SK,
        "GSI1PK": f"TEAM#{ticket.team}#STATUS#{ticket.status.value}",
        "GSI1SK": f"{ticket.priority.value}#{created}",
        "GSI2PK": f"CUSTOMER#{ticket.customer.id}",
        "GSI2SK": created,
        "GSI7PK": f"STATUS#{ticket.status.value}",
        "GSI7SK": created,
        "GSI8PK": f"FEED#{ticket.created_at.strftime('%Y-%m')}",
        "GSI8SK": f"{created}#{ticket.id}",
    }
    if ticket.order_id:
        keys["GSI3PK"], keys["GSI3SK"] = f"ORDER#{ticket.order_id}", created
    if ticket.items:
        keys["GSI4PK"] = f"SKU#{ticket.items[0].sku}"
        keys["GSI4SK"] = f"{ticket.items[0].batch or '-'}#{created}"
    if ticket.status in OPEN_STATUSES and ticket.sla.escalate_at is not None:
        keys["GSI5PK"], keys["GSI5SK"] = "SLA#OPEN", f"{_iso(ticket.sla.escalate_at)}#{ticket.id}"
    if ticket.assignee:
        keys["GSI6PK"] = f"AGENT#{ticket.assignee}"
        keys["GSI6SK"] = f"{ticket.status.value}#{_iso(ticket.updated_at)}"
    return keys


def _to_dynamo(value: Any) -> dict[str, Any]:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float | Decimal):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [_to_dynamo(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {k: _to_dynamo(v) for k, v in value.items()}}
    raise TypeError(f"cannot store {type(value).__name__}")


def _from_dynamo(value: dict[str, Any]) -> Any:
    ((kind, raw),) = value.items()
    if kind == "NULL":
        return None
    if kind == "N":
        number = Decimal(raw)
        return int(number) if number == number.to_integral_value() and "." not in raw else float(number)
    if kind == "L":
        return [_from_dynamo(v) for v in raw]
    if kind == "M":
        return {k: _from_dynamo(v) for k, v in raw.items()}
    return raw


def to_item(ticket: Ticket) -> dict[str, Any]:
    doc = ticket.model_dump(mode="json")
    item = {k: _to_dynamo(v) for k, v in doc.items()}
    item.update({k: {"S": v} for k, v in index_keys(ticket).items()})
    return item


def from_item(item: dict[str, Any]) -> Ticket:
    doc = {k: _from_dynamo(v) for k, v in item.items() if k not in _KEY_ATTRS}
    return Ticket.model_validate(doc)


def _encode_cursor(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def _decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("cursor is not valid") from None
    if not isinstance(payload, dict):
        raise ValidationFailed("cursor is not valid")
    return payload


class DynamoTicketRepository(TicketRepository):
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name
        self._ddb = client("dynamodb")

    def get(self, ticket_id: str) -> Ticket:
        # One strongly consistent query returns the ticket item or the alias that points to it.
        response = self._ddb.query(
            TableName=self.table_name,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": f"TICKET#{ticket_id}"}},
            ConsistentRead=True,
        )
        items = {i["SK"]["S"]: i for i in response.get("Items", [])}
        if TICKET_SK in items:
            return from_item(items[TICKET_SK])
        if ALIAS_SK in items:
            return self.get(items[ALIAS_SK]["target"]["S"])
        raise NotFound(f"ticket {ticket_id} not found", ticket_id=ticket_id)

    def add_alias(self, alias_id: str, ticket_id: str) -> None:
        try:
            self._ddb.put_item(
                TableName=self.table_name,
                Item={"PK": {"S": f"TICKET#{alias_id}"}, "SK": {"S": ALIAS_SK}, "target": {"S": ticket_id}},
                ConditionExpression="attribute_not_exists(PK) OR target = :t",
                ExpressionAttributeValues={":t": {"S": ticket_id}},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def create(self, ticket: Ticket) -> Ticket:
        stored = ticket.model_copy(update={"version": 1})
        try:
            self._ddb.put_item(
                TableName=self.table_name,
                Item=to_item(stored),
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise AlreadyExists(f"ticket {ticket.id} already exists", ticket_id=ticket.id) from None
            raise
        return stored

    def update(self, ticket: Ticket) -> Ticket:
        stored = ticket.model_copy(update={"version": ticket.version + 1, "updated_at": utcnow()})
        try:
            self._ddb.put_item(
                TableName=self.table_name,
                Item=to_item(stored),
                ConditionExpression="attribute_exists(PK) AND #v = :expected",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={":expected": {"N": str(ticket.version)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old = exc.response.get("Item")
            if not old:
                raise NotFound(f"ticket {ticket.id} not found", ticket_id=ticket.id) from None
            raise ConcurrentUpdate(
                f"ticket {ticket.id} was changed by someone else",
                expected_version=ticket.version,
                current_version=int(old["version"]["N"]),
            ) from None
        return stored

    def query(self, query: TicketQuery) -> TicketPage:
        limit = max(1, min(query.limit, 200))
        if query.team:
            status = query.status.value if query.status else "triaged"
            return self._query_index("queue", f"TEAM#{query.team}#STATUS#{status}", limit, query.cursor)
        if query.customer_id:
            return self._query_index("customer", f"CUSTOMER#{query.customer_id}", limit, query.cursor)
        if query.order_id:
            return self._query_index("order", f"ORDER#{query.order_id}", limit, query.cursor)
        if query.sku:
            return self._query_index("sku", f"SKU#{query.sku}", limit, query.cursor)
        if query.assignee:
            return self._query_index("assignee", f"AGENT#{query.assignee}", limit, query.cursor)
        if query.status:
            return self._query_index("status", f"STATUS#{query.status.value}", limit, query.cursor)
        return self._query_feed(limit, query.cursor)

    def _query_index(self, index: str, partition: str, limit: int, cursor: str | None) -> TicketPage:
        pk_attr, _ = INDEXES[index]
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": index,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": pk_attr},
            "ExpressionAttributeValues": {":pk": {"S": partition}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = _decode_cursor(cursor)["k"]
        response = self._ddb.query(**kwargs)
        last = response.get("LastEvaluatedKey")
        return TicketPage(
            items=[from_item(i) for i in response.get("Items", [])],
            next_cursor=_encode_cursor({"k": last}) if last else None,
        )

    def _query_feed(self, limit: int, cursor: str | None) -> TicketPage:
        """Newest first across month buckets, so the feed never has one hot partition."""
        state = _decode_cursor(cursor) if cursor else {}
        month = state.get("m") or utcnow().strftime("%Y-%m")
        start_key = state.get("k")
        items: list[Ticket] = []
        for _ in range(FEED_MONTHS_BACK):
            kwargs: dict[str, Any] = {
                "TableName": self.table_name,
                "IndexName": "feed",
                "KeyConditionExpression": "GSI8PK = :pk",
                "ExpressionAttributeValues": {":pk": {"S": f"FEED#{month}"}},
                "ScanIndexForward": False,
                "Limit": limit - len(items),
            }
            if start_key:
                kwargs["ExclusiveStartKey"] = start_key
            response = self._ddb.query(**kwargs)
            items.extend(from_item(i) for i in response.get("Items", []))
            start_key = response.get("LastEvaluatedKey")
            if len(items) >= limit:
                next_cursor = _encode_cursor({"m": month, "k": start_key}) if start_key else None
                if not start_key:
                    next_cursor = _encode_cursor({"m": _previous_month(month)})
                return TicketPage(items=items, next_cursor=next_cursor)
            if not start_key:
                month = _previous_month(month)
        return TicketPage(items=items, next_cursor=None)


def _previous_month(month: str) -> str:
    year, mon = (int(p) for p in month.split("-"))
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"
