"""One retraining round, shared by ``aftersales train`` and the scheduled ``retrain`` Lambda.

Base training set + agents' corrections → a new versioned artifact in the model store →
approved only when its evaluation macro-F1 is not worse than the serving model's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aftersales.classification.augment import Augmenter
from aftersales.classification.corrections import Correction, LabelledExample, build_training_set
from aftersales.classification.model import TrainConfig
from aftersales.classification.store import ModelStore
from aftersales.classification.training import should_promote, train_artifact


@dataclass(frozen=True, slots=True)
class RetrainOutcome:
    version: str
    promoted: bool
    metrics: dict[str, Any] = field(default_factory=dict)
    previous: str | None = None
    artifact: bytes = b""

    def summary(self) -> dict[str, Any]:
        return {"version": self.version, "promoted": self.promoted, "previous": self.previous, **self.metrics}


def retrain(
    base: Sequence[tuple[str, str]],
    corrections: Iterable[Correction | LabelledExample],
    store: ModelStore,
    *,
    approve_if_better: bool = True,
    config: TrainConfig | None = None,
    augment: Augmenter | None = None,
) -> RetrainOutcome:
    """Train on ``base`` plus ``corrections``, store the candidate, promote it if not worse."""
    fixes = list(corrections)
    examples = build_training_set(base, fixes)
    if not examples:
        raise ValueError("no training examples: the base training set is empty")
    model = train_artifact(examples, config, augment=augment)
    data = model.to_bytes()
    metrics = dict(model.metrics, n_corrections=len(fixes))
    previous = store.manifest().get("approved")
    current = store.approved_metrics()
    store.put(model.version, data, metrics)
    promoted = approve_if_better and should_promote(metrics, current)
    if promoted:
        store.approve(model.version)
    return RetrainOutcome(model.version, promoted, metrics, previous, data)
