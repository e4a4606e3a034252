"""HTTP edge helpers shared by API functions: raw bodies and one error mapping."""

from __future__ import annotations

import base64
import json
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver

from aftersales.errors import DomainError
from aftersales.observability import logger


def raw_body(event: dict[str, Any]) -> bytes:
    """The exact bytes the sender signed: never re-serialise before verifying."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode("utf-8")


def json_response(status: int, body: Any) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, ensure_ascii=False, default=str),
    )


def register_error_handlers(app: ApiGatewayResolver) -> None:
    """Map domain errors to HTTP in exactly one place."""

    @app.exception_handler(DomainError)
    def _domain_error(exc: DomainError) -> Response[str]:
        logger.info("request rejected", extra={"error": exc.code, "reason": exc.message})
        return json_response(exc.http_status, exc.to_dict())

    @app.not_found
    def _not_found(_: Exception) -> Response[str]:
        return json_response(404, {"error": "not_found", "message": "no such route"})
