"""Simulated 拼多多 message service: a real WebSocket server on its own loopback port.

``GET /pinduoduo/_ws_url`` starts it (once) and returns ``{"url": "ws://127.0.0.1:<port>"}``;
``POST /pinduoduo/_seed`` with ``{"messages": [{"type", "mallID", "content"}]}`` queues
Common frames; every connection (path ``/message/{client_id}/{timestamp}/{sign}``,
checked like PDD does) gets all frames not yet acknowledged, so un-acked frames are
redelivered on reconnect. ``GET /pinduoduo/_state`` shows pending/acked/heartbeats.
"""

from __future__ import annotations

import hmac
import itertools
import json
import threading
import time
import urllib.parse
from http import HTTPStatus
from typing import Any

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from aftersales.channels.pinduoduo import ws_sign
from aftersales.errors import SignatureInvalid
from local.simulator import Platform as BasePlatform
from local.simulator import SimRequest, SimResponse, Simulator


class Platform(BasePlatform):
    prefix = "pinduoduo"

    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim)
        self._lock = threading.Lock()
        self._ids = itertools.count(1_000_001)
        self.pending: dict[str, dict[str, Any]] = {}
        self.acked: list[str] = []
        self.heartbeats = 0
        self.connections = 0
        self.rejected = 0
        self._server: Server | None = None

    # --- control endpoints over the simulator's HTTP ---------------------------------

    def handle(self, request: SimRequest) -> SimResponse:
        if request.path == "/_ws_url" and request.method == "GET":
            return SimResponse(200, {"url": self.ws_url()})
        if request.path == "/_seed" and request.method == "POST":
            data = request.json()
            return SimResponse(200, {"seeded": self.seed(data.get("messages", []) if isinstance(data, dict) else data)})
        if request.path == "/_state" and request.method == "GET":
            with self._lock:
                return SimResponse(
                    200,
                    {
                        "pending": list(self.pending),
                        "acked": list(self.acked),
                        "heartbeats": self.heartbeats,
                        "connections": self.connections,
                        "rejected": self.rejected,
                    },
                )
        return super().handle(request)

    def seed(self, messages: list[dict[str, Any]]) -> list[str]:
        ids = []
        with self._lock:
            for m in messages:
                frame_id = str(m.get("id") or next(self._ids))
                content = m.get("content", {})
                frame = {
                    "id": int(frame_id) if frame_id.isdigit() else frame_id,
                    "commandType": "Common",
                    "time": int(time.time() * 1000),
                    "sendTime": int(time.time() * 1000),
                    "message": {
                        "type": m.get("type", "pdd_refund_RefundCreated"),
                        "mallID": m.get("mallID", 10001),
                        "content": content if isinstance(content, str) else json.dumps(content, ensure_ascii=False),
                    },
                }
                self.pending[frame_id] = frame
                ids.append(frame_id)
        return ids

    # --- the WebSocket server ----------------------------------------------------------

    def ws_url(self) -> str:
        with self._lock:
            if self._server is None:
                self._server = serve(self._session, "127.0.0.1", 0, process_request=self._check, compression=None)
                threading.Thread(target=self._server.serve_forever, name="pdd-ws", daemon=True).start()
            port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}"

    def _check(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urllib.parse.urlsplit(request.path).path.strip("/").split("/")
        ok = False
        if len(parts) == 4 and parts[0] == "message":
            client_id, timestamp, sign = (urllib.parse.unquote(p) for p in parts[1:])
            from aftersales.adapters.credentials import find_shop

            try:
                _, creds = find_shop("pinduoduo", "client_id", client_id)
                expected = ws_sign(client_id, timestamp, creds["client_secret"])
                fresh = timestamp.isdigit() and abs(int(timestamp) - time.time() * 1000) < 300_000
                ok = fresh and hmac.compare_digest(expected, sign)
            except SignatureInvalid:
                ok = False
        if ok:
            return None
        with self._lock:
            self.rejected += 1
        body = json.dumps({"error_code": 10019, "error_msg": "sign invalid"}).encode()
        return Response(
            HTTPStatus.UNAUTHORIZED.value, "Unauthorized", Headers({"Content-Type": "application/json"}), body
        )

    def _session(self, connection: ServerConnection) -> None:
        with self._lock:
            self.connections += 1
        sent: set[str] = set()
        try:
            while True:
                with self._lock:
                    fresh = [(k, f) for k, f in self.pending.items() if k not in sent]
                for key, frame in fresh:
                    connection.send(json.dumps({**frame, "sendTime": int(time.time() * 1000)}, ensure_ascii=False))
                    sent.add(key)
                try:
                    text = connection.recv(timeout=0.1)
                except TimeoutError:
                    continue
                frame = json.loads(text)
                command = frame.get("commandType")
                if command == "HeartBeat":
                    with self._lock:
                        self.heartbeats += 1
                    connection.send(json.dumps({"commandType": "HeartBeat", "time": int(time.time() * 1000)}))
                elif command == "Ack":
                    key = str(frame.get("id"))
                    with self._lock:
                        if self.pending.pop(key, None) is not None:
                            self.acked.append(key)
                    self.sim.record("pinduoduo", "message.ack", id=key, type=frame.get("type"))
        except ConnectionClosed:
            return
