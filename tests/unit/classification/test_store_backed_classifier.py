"""The triage classifier: bundled fallback, store refresh on a timer, broken stores never stop triage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aftersales.classification import Classifier
from aftersales.classification.model import TrainConfig
from aftersales.classification.store import LocalModelStore, ModelStore
from aftersales.classification.training import train_artifact
from aftersales.classifier_port import StoreBackedClassifier
from aftersales.taxonomy import Category

TINY = [("invoice", "发票怎么开"), ("invoice", "要开专票"), ("refund", "退款没到"), ("refund", "钱没退")] * 3


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class BrokenStore(LocalModelStore):
    def manifest(self) -> dict[str, Any]:
        raise OSError("store unreachable")


def _publish(store: ModelStore) -> str:
    model = train_artifact(TINY, TrainConfig(epochs=3, min_count=1))
    store.put(model.version, model.to_bytes(), model.metrics)
    store.approve(model.version)
    return model.version


def test_without_a_store_the_bundled_model_serves() -> None:
    clf = StoreBackedClassifier(None)
    result = clf("快递三天了还没到")
    assert result.category is Category.LOGISTICS
    assert result.details["model_version"] == Classifier.bundled().version == clf.version


def test_a_newly_approved_model_is_picked_up_after_the_refresh_interval(tmp_path: Path) -> None:
    store = LocalModelStore(tmp_path)
    clock = Clock()
    clf = StoreBackedClassifier(store, refresh_s=60, clock=clock)
    bundled = clf.version
    version = _publish(store)
    clock.now = 59
    assert clf.version == bundled  # not re-checked yet
    clock.now = 61
    assert clf.version == version
    assert clf("发票开错了").details["model_version"] == version


def test_an_unreadable_store_keeps_the_serving_model(tmp_path: Path) -> None:
    clf = StoreBackedClassifier(BrokenStore(tmp_path), refresh_s=0)
    assert clf("退款什么时候到").category is Category.REFUND
    assert clf.version == Classifier.bundled().version


def test_a_corrupt_approved_artifact_is_ignored(tmp_path: Path) -> None:
    store = LocalModelStore(tmp_path)
    store.put("broken", b"not an artifact", {})
    store.approve("broken")
    clf = StoreBackedClassifier(store, refresh_s=0)
    assert clf.version == Classifier.bundled().version
