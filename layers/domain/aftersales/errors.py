"""Typed domain errors; handlers map them to HTTP in one place (aftersales.http)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class: ``code`` is a stable machine-readable identifier."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class ValidationFailed(DomainError):
    code = "validation_failed"
    http_status = 400


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    http_status = 413


class SignatureInvalid(DomainError):
    code = "invalid_signature"
    http_status = 401


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class IllegalTransition(DomainError):
    code = "illegal_transition"
    http_status = 409


class ConcurrentUpdate(DomainError):
    """Optimistic-lock failure: somebody else changed the ticket first."""

    code = "concurrent_update"
    http_status = 409


class AlreadyExists(DomainError):
    code = "already_exists"
    http_status = 409
