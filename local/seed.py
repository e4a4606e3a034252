"""Demo data for ``make dev``: the demo messages, sent through the real signed intake route."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from aftersales.demo import DEFAULT_URL, PostResult, post, seed


def seed_and_wait(base_url: str, secret: str | None = None, timeout_s: float = 10.0) -> list[PostResult]:
    """Seed, then wait until triage has stored every accepted ticket (so the UI shows them)."""
    results = seed(base_url, secret)
    pending = {r.body["ticket_id"] for r in results if r.status == 202 and isinstance(r.body, dict)}
    deadline = time.monotonic() + timeout_s
    while pending and time.monotonic() < deadline:
        pending = {t for t in pending if post(f"{base_url}/v1/tickets/{t}", b"", method="GET").status != 200}
        if pending:
            time.sleep(0.1)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Send the demo messages to a running local stack")
    parser.add_argument("--url", default=DEFAULT_URL)
    args = parser.parse_args(argv)
    results = seed_and_wait(args.url)
    for result in results:
        print(result.status, result.body)
    return 0 if all(r.status == 202 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
