"""In-process Lambda runtime: warm handler modules, a faithful context, one invocation log.

Handlers are loaded once per ``LocalCloud`` from ``functions/<name>/handler.py`` (like a
warm Lambda container) and invoked under one lock: in the cloud every function runs in its
own process, but here they share the Powertools Logger/Metrics singletons, whose state is
not thread-safe, so concurrent invocations would corrupt each other's logs and metrics.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from infra.topology import FunctionSpec

log = logging.getLogger("local.runtime")

REPO_ROOT = Path(__file__).resolve().parent.parent
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"

Handler = Callable[[Any, Any], Any]


class FakeLambdaContext:
    """The attributes Powertools and our handlers read from ``LambdaContext``."""

    def __init__(self, spec: FunctionSpec, region: str = REGION, account_id: str = ACCOUNT_ID) -> None:
        self.function_name = f"aftersales-{spec.name}"
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{self.function_name}"
        self.memory_limit_in_mb = spec.memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._timeout_s = spec.timeout_s
        self._deadline = time.monotonic() + spec.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class Invocation:
    """One record per invocation: tests and the devserver read outcomes and timings from it."""

    function: str
    source: str
    request_id: str
    started_at: float
    duration_ms: float = 0.0
    error: str | None = None
    result: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


class LambdaRuntime:
    """Loads every function in the topology and invokes it the way the Lambda service would."""

    def __init__(self, functions: tuple[FunctionSpec, ...], repo_root: Path = REPO_ROOT) -> None:
        self.repo_root = repo_root
        self.specs: dict[str, FunctionSpec] = {f.name: f for f in functions}
        self.handlers: dict[str, Handler] = {}
        self.invocations: list[Invocation] = []
        self._lock = threading.RLock()
        self._log_lock = threading.Lock()
        self._replaced_modules: dict[str, ModuleType | None] = {}

    def load_all(self) -> None:
        for name in self.specs:
            self.handlers[name] = self._load(name)

    def _load(self, name: str) -> Handler:
        """Execute the handler file afresh under ``functions.<name>.handler`` (a cold start)."""
        path = self.repo_root / "functions" / name / "handler.py"
        if not path.is_file():
            raise FileNotFoundError(f"topology declares function {name!r} but {path} does not exist")
        if str(self.repo_root) not in sys.path:
            sys.path.insert(0, str(self.repo_root))
        importlib.import_module(f"functions.{name}")
        module_name = f"functions.{name}.handler"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        self._replaced_modules.setdefault(module_name, sys.modules.get(module_name))
        # Registered before exec: pydantic resolves postponed annotations through sys.modules.
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        handler = getattr(module, "lambda_handler", None)
        if not callable(handler):
            raise AttributeError(f"{path} has no lambda_handler")
        return handler

    def unload_all(self) -> None:
        """Put back whatever other code had imported, so tests in the same process are unaffected."""
        for module_name, previous in self._replaced_modules.items():
            if previous is None:
                sys.modules.pop(module_name, None)
            else:
                sys.modules[module_name] = previous
        self._replaced_modules.clear()
        self.handlers.clear()

    def invoke(self, name: str, event: Any, source: str) -> Invocation:
        """Invoke synchronously; an exception is recorded and re-raised, like a failed invoke."""
        spec = self.specs[name]
        handler = self.handlers[name]
        context = FakeLambdaContext(spec)
        record = Invocation(function=name, source=source, request_id=context.aws_request_id, started_at=time.time())
        with self._lock:
            started = time.perf_counter()
            try:
                record.result = handler(event, context)
            except Exception as exc:
                record.error = f"{type(exc).__name__}: {exc}"
                raise
            finally:
                record.duration_ms = (time.perf_counter() - started) * 1000
                if record.duration_ms > spec.timeout_s * 1000:
                    log.warning(
                        "%s ran %.0f ms, longer than its %d s timeout: it would be killed on AWS",
                        name,
                        record.duration_ms,
                        spec.timeout_s,
                    )
                with self._log_lock:
                    self.invocations.append(record)
        return record

    def invocations_of(self, name: str) -> list[Invocation]:
        with self._log_lock:
            return [i for i in self.invocations if i.function == name]
