"""A local API Gateway (HTTP API, payload format 2.0) in front of the in-process Lambdas.

The event is built from the raw request exactly as API Gateway would: the body bytes are
passed through untouched (base64 when they are not UTF-8) because webhook signatures are
computed over the raw bytes; JSON is never parsed or re-serialised here.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from infra.topology import RouteSpec
from local.runtime import ACCOUNT_ID, LambdaRuntime

log = logging.getLogger("local.gateway")

MAX_REQUEST_BYTES = 6 * 1024 * 1024  # Lambda's synchronous invocation payload limit
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024  # beyond this, just close the connection
API_ID = "local"
CORS_ORIGIN = re.compile(r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$")
CORS_ALLOW_HEADERS = "authorization,content-type,x-aftersales-signature,x-requested-with"
CORS_ALLOW_METHODS = "GET,POST,PUT,PATCH,DELETE,OPTIONS"

AdminHandler = Callable[[str, str, bytes], tuple[int, Any]]


@dataclass(frozen=True)
class CompiledRoute:
    spec: RouteSpec
    pattern: re.Pattern[str]
    literal_segments: int

    @property
    def route_key(self) -> str:
        return f"{self.spec.method} {self.spec.path}"


def compile_route(route: RouteSpec) -> CompiledRoute:
    """``/v1/tickets/{ticket_id}`` -> regex; ``{proxy+}`` is greedy like API Gateway's."""
    parts: list[str] = []
    literal = 0
    for segment in route.path.strip("/").split("/"):
        greedy = re.fullmatch(r"\{(\w+)\+\}", segment)
        param = re.fullmatch(r"\{(\w+)\}", segment)
        if greedy:
            parts.append(f"(?P<{greedy.group(1)}>.+)")
        elif param:
            parts.append(f"(?P<{param.group(1)}>[^/]+)")
        else:
            parts.append(re.escape(segment))
            literal += 1
    return CompiledRoute(route, re.compile("^/" + "/".join(parts) + "$"), literal)


class Router:
    """Most specific match first, as API Gateway does: more literal segments win."""

    def __init__(self, routes: tuple[RouteSpec, ...]) -> None:
        self.routes = sorted((compile_route(r) for r in routes), key=lambda r: -r.literal_segments)
        self.route_keys = {r.route_key for r in self.routes}

    def match(self, method: str, path: str) -> tuple[CompiledRoute | None, dict[str, str], list[str]]:
        """Return (route, path params, methods allowed on this path)."""
        allowed: list[str] = []
        for route in self.routes:
            found = route.pattern.match(path)
            if not found:
                continue
            if route.spec.method in (method, "ANY"):
                return route, {k: unquote(v) for k, v in found.groupdict().items()}, []
            allowed.append(route.spec.method)
        return None, {}, allowed


def build_http_event(
    route_key: str,
    method: str,
    raw_target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    path_parameters: dict[str, str],
    source_ip: str,
    request_id: str,
    stage: str = "$default",
) -> dict[str, Any]:
    """A faithful API Gateway HTTP API payload v2.0 event."""
    split = urlsplit(raw_target)
    raw_path = split.path or "/"
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    query: dict[str, str] = {}
    for key, value in parse_qsl(split.query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": split.query,
        "headers": merged,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": merged.get("host", "127.0.0.1"),
            "domainPrefix": merged.get("host", "127.0.0.1").split(".")[0],
            "http": {
                "method": method,
                "path": unquote(raw_path),
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": merged.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": stage,
            "time": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def decode_lambda_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Payload 2.0 response rules, including the 'bare value means 200 JSON' shortcut."""
    if not (isinstance(result, dict) and "statusCode" in result):
        return 200, [("content-type", "application/json")], json.dumps(result).encode()
    headers: list[tuple[str, str]] = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(v)) for v in values)
    headers.extend(("set-cookie", str(c)) for c in result.get("cookies") or [])
    body = result.get("body")
    if body is None:
        raw = b""
    elif result.get("isBase64Encoded"):
        raw = base64.b64decode(body)
    else:
        raw = str(body).encode("utf-8")
    if not any(k.lower() == "content-type" for k, _ in headers) and raw:
        headers.append(("content-type", "application/json"))
    return int(result["statusCode"]), headers, raw


def _json(status: int, body: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    return status, [("content-type", "application/json")], json.dumps(body, ensure_ascii=False).encode()


STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


class Gateway:
    """Threaded HTTP server: routes from the topology, Lambdas from the runtime, ``/_local/*`` admin."""

    def __init__(
        self,
        runtime: LambdaRuntime,
        routes: tuple[RouteSpec, ...],
        host: str = "127.0.0.1",
        port: int = 8000,
        admin: AdminHandler | None = None,
        static_dir: Path | None = None,
    ) -> None:
        self.runtime = runtime
        self.static_dir = static_dir.resolve() if static_dir else None
        self.router = Router(routes)
        self.admin = admin
        for route in self.router.routes:
            if route.spec.function not in runtime.handlers:
                raise RuntimeError(f"route {route.route_key} targets unloaded function {route.spec.function!r}")
        self.server = ThreadingHTTPServer((host, port), self._handler_class())
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> None:
        self._thread = threading.Thread(target=self.server.serve_forever, name="local-gateway", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def handle(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, source_ip: str
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Everything API Gateway does between the socket and the Lambda, and back."""
        request_id = str(uuid.uuid4())
        path = urlsplit(target).path or "/"
        if path.startswith("/_local/") and self.admin is not None:
            status, payload = self.admin(method, path, body)
            return _json(status, payload)
        if method == "OPTIONS":
            return 204, [], b""
        if len(body) > MAX_REQUEST_BYTES:
            return _json(
                413,
                {"error": "payload_too_large", "message": f"request body exceeds {MAX_REQUEST_BYTES} bytes"},
            )
        route, params, allowed = self.router.match(method, path)
        if route is None and method in ("GET", "HEAD") and self.static_dir and not path.startswith("/v1/"):
            return self._static(path)
        if route is None:
            if allowed:
                status, out_headers, raw = _json(
                    405, {"error": "method_not_allowed", "message": f"{method} not allowed on {path}"}
                )
                return status, [*out_headers, ("allow", ",".join(sorted(set(allowed))))], raw
            return _json(404, {"error": "not_found", "message": f"no route for {method} {path}"})
        event = build_http_event(route.route_key, method, target, headers, body, params, source_ip, request_id)
        try:
            record = self.runtime.invoke(route.spec.function, event, source=f"http:{route.route_key}")
        except Exception:
            log.exception("%s raised: API Gateway answers 500", route.spec.function)
            status, out_headers, raw = _json(500, {"message": "Internal Server Error"})
        else:
            status, out_headers, raw = decode_lambda_response(record.result)
        return status, [*out_headers, ("apigw-requestid", request_id)], raw

    def _static(self, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
        """The SPA, as CloudFront serves it from S3 in the cloud: unknown paths fall back to index.html."""
        assert self.static_dir is not None
        candidate = (self.static_dir / path.lstrip("/")).resolve()
        if not candidate.is_relative_to(self.static_dir) or not candidate.is_file():
            candidate = self.static_dir / "index.html"
        content_type = STATIC_TYPES.get(candidate.suffix, "application/octet-stream")
        return 200, [("content-type", content_type), ("cache-control", "no-cache")], candidate.read_bytes()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "aftersales-local-gateway"

            def log_message(self, format: str, *args: Any) -> None:
                log.info("%s %s", self.address_string(), format % args)

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length > MAX_REQUEST_BYTES:
                    # Drain (without buffering) so the client reads our 413 instead of a broken pipe.
                    remaining = length if length <= DRAIN_LIMIT_BYTES else 0
                    while remaining > 0:
                        chunk = self.rfile.read(min(remaining, 1 << 16))
                        if not chunk:
                            break
                        remaining -= len(chunk)
                    self.close_connection = True
                    status, headers, raw = _json(
                        413,
                        {"error": "payload_too_large", "message": f"request body exceeds {MAX_REQUEST_BYTES} bytes"},
                    )
                else:
                    body = self.rfile.read(length) if length else b""
                    status, headers, raw = gateway.handle(
                        self.command, self.path, list(self.headers.items()), body, self.client_address[0]
                    )
                self.send_response(status)
                names = {k.lower() for k, _ in headers}
                for name, value in headers:
                    if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(name, value)
                origin = self.headers.get("origin")
                if origin and CORS_ORIGIN.match(origin) and "access-control-allow-origin" not in names:
                    self.send_header("access-control-allow-origin", origin)
                    self.send_header("access-control-allow-credentials", "true")
                    self.send_header("access-control-allow-methods", CORS_ALLOW_METHODS)
                    self.send_header("access-control-allow-headers", CORS_ALLOW_HEADERS)
                    self.send_header("access-control-max-age", "600")
                    self.send_header("vary", "origin")
                self.send_header("content-length", str(len(raw)))
                if self.close_connection:
                    self.send_header("connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(raw)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

        return RequestHandler
