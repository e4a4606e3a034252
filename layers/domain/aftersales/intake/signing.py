"""Stripe/Standard-Webhooks style signatures for our own generic intake.

Header: ``X-Aftersales-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256("<t>.<raw body>")>``;
several ``v1`` values may be present during key rotation.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from aftersales.errors import SignatureInvalid

SIGNATURE_HEADER = "x-aftersales-signature"
DEFAULT_TOLERANCE_S = 300


def sign(raw_body: bytes, secret: str, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + raw_body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(
    raw_body: bytes,
    header: str | None,
    secrets: list[str],
    now: float | None = None,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> int:
    """Return the signed timestamp, or raise SignatureInvalid saying what is wrong."""
    if not header:
        raise SignatureInvalid("missing X-Aftersales-Signature header")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureInvalid("signature timestamp is not an integer") from None
        elif key == "v1":
            candidates.append(value.strip().lower())
    if timestamp is None or not candidates:
        raise SignatureInvalid("signature header must look like t=<unix seconds>,v1=<hex>")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        raise SignatureInvalid(
            f"signature timestamp outside the {tolerance_s} s tolerance", skew_s=int(current - timestamp)
        )
    signed = f"{timestamp}.".encode() + raw_body
    for secret in secrets:
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, c) for c in candidates):
            return timestamp
    raise SignatureInvalid("signature does not match the body")
