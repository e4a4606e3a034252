"""The triage step's view of classification: the trained classifier behind ``TextClassifier``.

The serving model is the newest approved artifact of a ``ModelStore`` (S3 in the cloud,
the embedded bucket locally), re-checked every ``refresh_s`` seconds so a model promoted
by the retrain job reaches warm Lambdas without a deploy. The bundled artifact serves
until a store has an approved model, and whenever the store cannot be read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from aftersales.classification import ClassificationResult, Classifier
from aftersales.classification.store import ModelStore
from aftersales.observability import logger
from aftersales.triage import Classification

DEFAULT_REFRESH_S = 300.0


def to_classification(result: ClassificationResult) -> Classification:
    full = result.to_dict()
    details = {k: full[k] for k in ("alternatives", "anger", "keywords", "entities", "model_version")}
    return Classification(
        category=result.category,
        confidence=result.confidence,
        tags=list(result.tags),
        needs_review=result.needs_review,
        language=result.language,
        details=details,
    )


class StoreBackedClassifier:
    """A ``TextClassifier`` that serves the store's approved model, falling back to the bundled one."""

    def __init__(
        self,
        store: ModelStore | None = None,
        refresh_s: float = DEFAULT_REFRESH_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.refresh_s = refresh_s
        self._clock = clock
        self._lock = threading.Lock()
        self._classifier: Classifier | None = None
        self._serving: str | None = None  # approved version loaded from the store, if any
        self._checked_at: float | None = None

    def _due(self, now: float) -> bool:
        return self.store is not None and (self._checked_at is None or now - self._checked_at >= self.refresh_s)

    def current(self) -> Classifier:
        now = self._clock()
        if self._classifier is not None and not self._due(now):
            return self._classifier
        with self._lock:
            if self._classifier is None:
                self._classifier = Classifier.bundled()
            if self.store is not None and self._due(now):
                self._checked_at = now
                self._refresh(self.store)
            return self._classifier

    def _refresh(self, store: ModelStore) -> None:
        try:
            approved = store.manifest().get("approved")
            if not approved or approved == self._serving:
                return
            data = store.latest_approved()
            if data is None:
                return
            self._classifier = Classifier.from_bytes(data)
            self._serving = approved
            logger.info("classifier model loaded", extra={"model_version": self._classifier.version})
        except Exception:  # a broken store or artifact must never stop triage
            logger.exception("classifier store unreadable; keeping the serving model")

    @property
    def version(self) -> str:
        return self.current().version

    def __call__(self, text: str) -> Classification:
        return to_classification(self.current().classify(text))
