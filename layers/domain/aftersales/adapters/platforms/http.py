"""A small JSON-over-HTTP client for platform APIs: timeouts, retries with backoff, no extra deps."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

RETRYABLE = {429, 500, 502, 503, 504}


class PlatformHttpError(RuntimeError):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def request_json(
    method: str,
    url: str,
    body: Mapping[str, Any] | bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout_s: float = 3.0,
    attempts: int = 3,
    backoff_s: float = 0.2,
) -> Any:
    """Retry transport errors and 429/5xx with exponential backoff; raise PlatformHttpError."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body, ensure_ascii=False).encode()
    all_headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    last: Exception | None = None
    for attempt in range(attempts):
        req = urllib.request.Request(url, data=data, headers=all_headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout_s) as resp:
                payload = resp.read()
                return json.loads(payload) if payload else None
        except urllib.error.HTTPError as exc:
            if exc.code not in RETRYABLE:
                raise PlatformHttpError(f"{method} {url} -> HTTP {exc.code}", exc.code) from None
            last = exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            last = exc
        time.sleep(backoff_s * (2**attempt))
    raise PlatformHttpError(f"{method} {url} failed after {attempts} attempts: {last}")
