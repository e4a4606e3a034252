"""Training on a tiny set, artifact round trip, promotion rule, corrections, local store."""

from __future__ import annotations

from pathlib import Path

import pytest

from aftersales.classification import Classifier
from aftersales.classification.corrections import Correction, LabelledExample, build_training_set
from aftersales.classification.model import LinearModel, TrainConfig
from aftersales.classification.store import LocalModelStore
from aftersales.classification.training import evaluate, should_promote, train_artifact
from aftersales.taxonomy import Category

TINY = [
    ("refund", "退款什么时候到账"),
    ("refund", "钱还没退回来"),
    ("refund", "退款失败了怎么办"),
    ("refund", "退款金额不对"),
    ("invoice", "发票怎么开"),
    ("invoice", "发票抬头写错了"),
    ("invoice", "要开专票"),
    ("invoice", "电子发票在哪下载"),
    ("logistics", "快递怎么还没到"),
    ("logistics", "物流不更新了"),
    ("logistics", "什么时候发货"),
    ("logistics", "快递到哪了"),
] * 3


def test_train_tiny_artifact_roundtrip(tmp_path: Path) -> None:
    model = train_artifact(TINY, TrainConfig(epochs=3, min_count=1))
    data = model.to_bytes()
    path = tmp_path / "m.bin"
    path.write_bytes(data)
    clf = Classifier.from_artifact(path)
    assert clf.predict("退款还没到账")[0] is Category.REFUND
    assert clf.predict("发票开错了")[0] is Category.INVOICE
    assert clf.version == model.version
    again = LinearModel.from_bytes(data)
    assert again.index == model.index


def test_classifier_train_returns_bytes() -> None:
    data = Classifier.train(TINY, refit_full=False)
    assert Classifier.from_bytes(data).predict("快递没到")[0] is Category.LOGISTICS


def test_corrupt_artifact_rejected() -> None:
    with pytest.raises(ValueError):
        LinearModel.from_bytes(b'{"format": "nope"}')


def test_promotion_rule() -> None:
    assert should_promote({"eval_macro_f1": 0.7}, None)
    assert should_promote({"eval_macro_f1": 0.8}, {"eval_macro_f1": 0.8})
    assert should_promote({"eval_macro_f1": 0.81}, {"eval_macro_f1": 0.8})
    assert not should_promote({"eval_macro_f1": 0.79}, {"eval_macro_f1": 0.8})
    assert not should_promote({}, {"eval_macro_f1": 0.8})


def test_evaluate_macro_f1() -> None:
    rep = evaluate(["refund", "refund", "invoice"], ["refund", "invoice", "invoice"])
    assert rep.accuracy == pytest.approx(2 / 3)
    assert rep.macro_f1 == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert rep.render().splitlines()[-1] == "macro_f1=0.6667 accuracy=0.6667"


def test_build_training_set_overrides_and_appends() -> None:
    base = [("quality_defect", "杯子碎了"), ("invoice", "发票怎么开")]
    corrections = [
        Correction(text="杯子碎了", category=Category.ITEM_DAMAGED, predicted=Category.QUALITY_DEFECT),
        LabelledExample(text="积分没到账", category=Category.PRICE_PROTECTION),
    ]
    merged = dict((t, c) for c, t in build_training_set(base, corrections))
    assert merged == {"杯子碎了": "item_damaged", "发票怎么开": "invoice", "积分没到账": "price_protection"}


def test_correction_validation() -> None:
    with pytest.raises(ValueError):
        Correction(text="   ", category=Category.OTHER)
    with pytest.raises(ValueError):
        Correction(text="x", category="nope")  # type: ignore[arg-type]


def test_local_store(tmp_path: Path) -> None:
    store = LocalModelStore(tmp_path / "models")
    assert store.latest_approved() is None
    store.put("v1", b"one", {"eval_macro_f1": 0.5})
    assert store.latest_approved() is None
    store.approve("v1")
    assert store.latest_approved() == b"one"
    store.put("v2", b"two", {"eval_macro_f1": 0.6})
    assert store.latest_approved() == b"one"
    store.approve("v2")
    assert store.latest_approved() == b"two"
    assert store.approved_metrics() == {"eval_macro_f1": 0.6}
    with pytest.raises(KeyError):
        store.approve("v3")


def test_default_uses_model_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aftersales.classification import classifier as mod

    model = train_artifact(TINY, TrainConfig(epochs=2, min_count=1), refit_full=False)
    store = LocalModelStore(tmp_path)
    store.put(model.version, model.to_bytes(), model.metrics)
    store.approve(model.version)
    monkeypatch.setenv("AFTERSALES_MODEL_DIR", str(tmp_path))
    mod.reset_default()
    try:
        assert mod.get_default().version == model.version
    finally:
        monkeypatch.delenv("AFTERSALES_MODEL_DIR")
        mod.reset_default()
