"""Builders for real-format Lambda events used by handler tests."""

from __future__ import annotations

import json
import uuid
from typing import Any


class FakeContext:
    function_name = "test-function"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def http_event(
    method: str,
    path: str,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    route: str | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """API Gateway HTTP API payload v2.0."""
    raw = body.decode() if isinstance(body, bytes) else body
    return {
        "version": "2.0",
        "routeKey": route or f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
        "headers": {k.lower(): v for k, v in (headers or {}).items()},
        "queryStringParameters": query,
        "pathParameters": path_parameters,
        "requestContext": {
            "http": {"method": method, "path": path, "sourceIp": "127.0.0.1", "protocol": "HTTP/1.1"},
            "requestId": str(uuid.uuid4()),
            "stage": "$default",
            "timeEpoch": 0,
        },
        "body": raw,
        "isBase64Encoded": False,
    }


def post_json(path: str, payload: Any) -> dict[str, Any]:
    """An API ``POST`` with a JSON body, as the SPA sends it."""
    return http_event("POST", path, json.dumps(payload), {"content-type": "application/json"})


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1",
            }
            for m in messages
        ]
    }


def json_body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])
