"""A local marketplace simulator: the platform APIs our adapters call, over real HTTP on loopback.

Each platform module defines a ``Platform`` subclass and is listed in ``PLATFORM_MODULES``.
Every call the adapters make is recorded, so tests can assert e.g. that an approval sent
the agree-return operation exactly once (``GET /_sim/operations``).
"""

from __future__ import annotations

import importlib
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PLATFORM_MODULES: tuple[str, ...] = (
    "local.simulator.taobao",
    "local.simulator.jd",
    "local.simulator.douyin",
    "local.simulator.pinduoduo",
    "local.simulator.wechat",
    "local.simulator.wecom",
)


@dataclass
class SimRequest:
    method: str
    path: str  # path below the platform prefix, e.g. "/aftersale/detail"
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class SimResponse:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body, ensure_ascii=False).encode()


class Platform:
    """Base class for one simulated platform, mounted at ``/<prefix>``."""

    prefix = ""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def handle(self, request: SimRequest) -> SimResponse:
        return SimResponse(404, {"error": "unknown endpoint", "path": request.path})


class Simulator:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.operations: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.platforms: dict[str, Platform] = {}
        for module_name in PLATFORM_MODULES:
            platform: Platform = importlib.import_module(module_name).Platform(self)
            self.platforms[platform.prefix] = platform
        sim = self

        class Handler(BaseHTTPRequestHandler):
            def _dispatch(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = parsed.path.lstrip("/").split("/", 1)
                prefix, rest = parts[0], "/" + (parts[1] if len(parts) > 1 else "")
                if prefix == "_sim":
                    response = sim._control(self.command, rest)
                elif prefix in sim.platforms:
                    request = SimRequest(
                        self.command,
                        rest,
                        urllib.parse.parse_qs(parsed.query),
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                    )
                    response = sim.platforms[prefix].handle(request)
                else:
                    response = SimResponse(404, {"error": "unknown platform", "prefix": prefix})
                payload = response.encode()
                self.send_response(response.status)
                headers = {"Content-Type": "application/json; charset=utf-8", **response.headers}
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _dispatch

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        host_text = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{host_text}:{port}"

    def record(self, platform: str, operation: str, **detail: Any) -> None:
        with self._lock:
            self.operations.append({"platform": platform, "operation": operation, **detail})

    def _control(self, method: str, path: str) -> SimResponse:
        if path == "/operations" and method == "GET":
            with self._lock:
                return SimResponse(200, {"operations": list(self.operations)})
        if path == "/operations" and method == "DELETE":
            with self._lock:
                self.operations.clear()
            return SimResponse(200, {"cleared": True})
        return SimResponse(404, {"error": "unknown control endpoint"})

    def start(self) -> Simulator:
        self._thread = threading.Thread(target=self._server.serve_forever, name="simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
