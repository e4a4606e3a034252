"""``make dev``: the whole system on this machine until Ctrl-C.

Writes ``.local/cloud.json`` (git-ignored) with the URLs so ``aftersales dlq`` and other
tools can find the embedded AWS without configuration.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from local.cloud import LocalCloud, _free_port
from local.runtime import REPO_ROOT
from local.seed import seed_and_wait

STATE_FILE = REPO_ROOT / ".local" / "cloud.json"
PREFERRED_AWS_PORT = 4566


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.devserver", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000), help="gateway port")
    parser.add_argument(
        "--aws-port", type=int, default=None, help=f"moto server port (default {PREFERRED_AWS_PORT} if free)"
    )
    parser.add_argument("--no-seed", action="store_true", help="do not send the demo messages")
    parser.add_argument("--schedule-speedup", type=float, default=1.0, help="run schedules N times faster")
    parser.add_argument("--retry-delay", type=int, default=2, help="seconds before a failed SQS record is retried")
    parser.add_argument("--log-level", default=os.environ.get("LOCAL_LOG_LEVEL", "INFO"))
    return parser.parse_args(argv)


def write_state(cloud: LocalCloud, path: Path = STATE_FILE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"base_url": cloud.base_url, "aws_endpoint": cloud.aws_endpoint, "pid": os.getpid()}
    path.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")


def remove_state(path: Path = STATE_FILE) -> None:
    """Remove the state file only if it is ours (another devserver may have replaced it)."""
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("botocore").setLevel(logging.WARNING)  # one 'found credentials' line per client
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    aws_port = args.aws_port if args.aws_port is not None else _free_port(PREFERRED_AWS_PORT)
    cloud = LocalCloud(
        port=args.port, aws_port=aws_port, retry_delay_s=args.retry_delay, schedule_speedup=args.schedule_speedup
    )
    started = time.perf_counter()
    cloud.start()
    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        write_state(cloud)
        wiring = cloud.wiring()
        print(f"\naftersales local stack up in {time.perf_counter() - started:.2f} s", flush=True)
        print(f"  API gateway     {cloud.base_url}")
        print(f"  OpenAPI         {cloud.base_url}/v1/openapi.json")
        print(f"  embedded AWS    {cloud.aws_endpoint}   (export AWS_ENDPOINT_URL={cloud.aws_endpoint})")
        if cloud.simulator is not None:
            print(f"  marketplaces    {cloud.simulator.base_url}   (simulated platform APIs)")
        print(f"  routes          {', '.join(sorted(wiring['routes']))}")
        print(f"  queues          {', '.join(sorted(wiring['queues'])) or '-'}")
        schedules = ", ".join(sorted(wiring["schedules"])) or "-"
        print(f"  schedules       {schedules}  (POST /_local/schedules/<name>/run)")
        print(f"  rules           {', '.join(sorted(wiring['rules'])) or '-'}")
        if not args.no_seed:
            results = seed_and_wait(cloud.base_url, cloud.webhook_secret)
            accepted = sum(1 for r in results if r.status == 202)
            print(f"  demo data       {accepted}/{len(results)} messages accepted through POST /v1/intake/web")
        print("Ctrl-C to stop.", flush=True)
        stop.wait()
    finally:
        cloud.stop()
        remove_state()
    return 0


if __name__ == "__main__":
    sys.exit(main())
