"""``LocalCloud``: the whole system on one laptop, no AWS account, no Docker.

Usage::

    with LocalCloud(port=0) as cloud:
        urllib.request.urlopen(cloud.base_url + "/v1/tickets")

Starts moto's server on loopback, creates every resource from ``TOPOLOGY``, points the
process environment at it, loads the Lambda handlers in-process and wires the HTTP routes,
SQS event source mappings and schedules to them. A dev and test tool only.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3

from infra.topology import TOPOLOGY, Topology
from local.event_sources import QueuePoller, Scheduler
from local.gateway import Gateway
from local.resources import Resources, create_resources, wired_rules
from local.runtime import REGION, LambdaRuntime

log = logging.getLogger("local.cloud")

DEFAULT_WEBHOOK_SECRET = "dev-secret"
SPA_DIR = Path(__file__).resolve().parents[1] / "spa"


def _free_port(preferred: int) -> int:
    """``preferred`` if it is free on loopback, else any free port."""
    for candidate in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise OSError("no free port")


class LocalCloud:
    """Start/stop the embedded AWS, gateway, queue pollers and schedulers as one unit."""

    def __init__(
        self,
        port: int = 8000,
        aws_port: int = 0,
        topology: Topology = TOPOLOGY,
        retry_delay_s: int = 2,
        schedule_speedup: float = 1.0,
        webhook_secret: str | None = None,
        use_secrets_manager: bool = True,
        simulator: bool = True,
    ) -> None:
        self.port = port
        self.aws_port = aws_port
        self.topology = topology
        self.retry_delay_s = retry_delay_s
        self.schedule_speedup = schedule_speedup
        self.webhook_secret = webhook_secret or os.environ.get("AFTERSALES_WEBHOOK_SECRET") or DEFAULT_WEBHOOK_SECRET
        self.use_secrets_manager = use_secrets_manager
        self.with_simulator = simulator
        self.simulator: Any = None
        self.runtime = LambdaRuntime(topology.functions)
        self.resources: Resources | None = None
        self.gateway: Gateway | None = None
        self.pollers: dict[str, QueuePoller] = {}
        self.schedulers: dict[str, Scheduler] = {}
        self.startup_s = 0.0
        self._moto: Any = None
        self._stop = threading.Event()
        self._saved_env: dict[str, str | None] = {}
        self._saved_sfn_config: bool | None = None
        self.aws_endpoint = ""
        self.session: Any = None

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> LocalCloud:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> LocalCloud:
        started = time.perf_counter()
        try:
            self._start_moto()
            self.session = boto3.session.Session(
                aws_access_key_id="local", aws_secret_access_key="local", region_name=REGION
            )
            self.session = _EndpointSession(self.session, self.aws_endpoint)
            self.resources = create_resources(
                self.session, self.topology, self.webhook_secret if self.use_secrets_manager else None
            )
            self._start_simulator()
            self._set_env(self.resources)
            self.runtime.load_all()
            self.gateway = Gateway(
                self.runtime, self.topology.routes, port=self.port, admin=self._admin, static_dir=SPA_DIR
            )
            self.gateway.start()
            self._start_event_sources(self.resources)
        except BaseException:
            self.stop()
            raise
        self.startup_s = time.perf_counter() - started
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in [*self.pollers.values(), *self.schedulers.values()]:
            thread.join(timeout=5)
        if self.gateway is not None:
            self.gateway.stop()
            self.gateway = None
        self.runtime.unload_all()
        if self.simulator is not None:
            self.simulator.stop()
            self.simulator = None
        if self._moto is not None:
            if self._saved_sfn_config is not None:
                self._post_moto_config({"stepfunctions": {"execute_state_machine": self._saved_sfn_config}})
            self._moto_api("reset")
            self._moto.stop()
            self._moto = None
        self._restore_env()

    def _start_moto(self) -> None:
        from moto.server import ThreadedMotoServer

        # moto's werkzeug request log would print every AWS call the handlers make.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.aws_port, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.aws_endpoint = f"http://{host}:{port}"
        # moto's backends are process-global: start from (and leave behind) an empty account.
        self._moto_api("reset")
        previous = self._post_moto_config({"stepfunctions": {"execute_state_machine": True}}, read_first=True)
        self._saved_sfn_config = bool(previous.get("stepfunctions", {}).get("execute_state_machine", False))

    def _start_simulator(self) -> None:
        if not self.with_simulator:
            return
        try:
            from local.simulator import Simulator
        except ImportError:
            log.warning("local.simulator is not available: platform adapters have nothing to call")
            return
        self.simulator = Simulator(port=0).start()

    def _moto_api(self, action: str) -> None:
        request = urllib.request.Request(f"{self.aws_endpoint}/moto-api/{action}", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def _post_moto_config(self, config: dict[str, Any], read_first: bool = False) -> dict[str, Any]:
        """moto's config API (POST /moto-api/config); returns the config before the change if asked."""
        before: dict[str, Any] = {}
        if read_first:
            with urllib.request.urlopen(f"{self.aws_endpoint}/moto-api/config", timeout=5) as response:
                before = json.loads(response.read())
        request = urllib.request.Request(
            f"{self.aws_endpoint}/moto-api/config",
            data=json.dumps(config).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            response.read()
        return before

    def _set_env(self, resources: Resources) -> None:
        env = {
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_SERVICE_NAME": "aftersales",
            "AFTERSALES_STAGE": "local",
            "AFTERSALES_WEBHOOK_SECRET": self.webhook_secret,
            **resources.env(),
        }
        if self.simulator is not None:
            # Platform adapters (taobao, jd, wechat...) call the marketplace simulator instead of the internet.
            env["AFTERSALES_SIMULATOR_URL"] = self.simulator.base_url
        for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ.pop(key, None)
        for key, value in env.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value
        _forget_cached_clients()

    def _restore_env(self) -> None:
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()
        _forget_cached_clients()

    def _start_event_sources(self, resources: Resources) -> None:
        sqs = self.session.client("sqs")
        for spec in self.topology.queues:
            if spec.consumer not in self.runtime.handlers:
                raise RuntimeError(f"queue {spec.name!r} consumer {spec.consumer!r} is not a loaded function")
            poller = QueuePoller(spec, resources.queues[spec.name], sqs, self.runtime, self._stop, self.retry_delay_s)
            poller.start()
            self.pollers[spec.name] = poller
        for schedule in self.topology.schedules:
            if schedule.function not in self.runtime.handlers:
                raise RuntimeError(f"schedule {schedule.name!r} targets unloaded function {schedule.function!r}")
            scheduler = Scheduler(
                schedule, resources.schedules[schedule.name], self.runtime, self._stop, self.schedule_speedup
            )
            scheduler.start()
            self.schedulers[schedule.name] = scheduler

    # -- introspection -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self.gateway is None:
            raise RuntimeError("LocalCloud is not running")
        return f"http://127.0.0.1:{self.gateway.port}"

    def client(self, service: str) -> Any:
        """A boto3 client on the embedded AWS (for tests and tools)."""
        return self.session.client(service)

    def wiring(self) -> dict[str, set[str]]:
        """What the runtime actually registered and started (compared with the CDK template)."""
        if self.resources is None or self.gateway is None:
            raise RuntimeError("LocalCloud is not running")
        rules, schedules_in_aws = wired_rules(self.session, self.resources)
        return {
            "functions": set(self.runtime.handlers),
            "routes": set(self.gateway.router.route_keys),
            "queues": {name for name, poller in self.pollers.items() if poller.is_alive()},
            "dlqs": {name for name, queue in self.resources.queues.items() if queue.dlq_arn},
            "schedules": {name for name, s in self.schedulers.items() if s.is_alive()} & schedules_in_aws,
            "rules": rules,
        }

    def run_schedule(self, name: str) -> Any:
        """Fire a schedule now (tests, demos, ``POST /_local/schedules/<name>/run``)."""
        return self.schedulers[name].fire()

    def _admin(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if method == "GET" and parts == ["_local", "health"]:
            return 200, {"status": "ok", "aws_endpoint": self.aws_endpoint}
        if method == "GET" and parts == ["_local", "wiring"]:
            return 200, {k: sorted(v) for k, v in self.wiring().items()}
        if len(parts) == 4 and parts[:2] == ["_local", "schedules"] and parts[3] == "run":
            if method != "POST":
                return 405, {"error": "method_not_allowed", "message": "use POST"}
            if parts[2] not in self.schedulers:
                return 404, {"error": "not_found", "message": f"no schedule {parts[2]!r}"}
            try:
                result = self.run_schedule(parts[2])
            except Exception as exc:
                return 500, {"error": "handler_failed", "message": f"{type(exc).__name__}: {exc}"}
            return 200, {"schedule": parts[2], "result": result}
        return 404, {"error": "not_found", "message": f"no local admin route {method} {path}"}


class _EndpointSession:
    """A boto3 session whose clients always talk to the embedded AWS."""

    def __init__(self, session: Any, endpoint: str) -> None:
        self._session = session
        self._endpoint = endpoint

    def client(self, service: str) -> Any:
        return self._session.client(service, endpoint_url=self._endpoint)


def _forget_cached_clients() -> None:
    """Cached boto3 clients remember the endpoint they were built with; drop them."""
    from aftersales.adapters import aws

    aws.reset()
    try:
        from aws_lambda_powertools.utilities.parameters import base

        base.DEFAULT_PROVIDERS.clear()
        base.clear_caches()
    except ImportError:  # pragma: no cover - powertools always ships parameters
        pass
