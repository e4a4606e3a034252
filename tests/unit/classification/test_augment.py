"""Training-time augmentation: wrappers carry no label, counterfactual praise → complaint."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from aftersales.classification.augment import Augmenter
from aftersales.classification.model import TrainConfig
from aftersales.classification.training import default_training_dir, load_augmenter, split, train_artifact

BANKS = Augmenter(
    narrative=("给我爸买的", "第一次在这家店买"),
    chat_open=("你好", "在吗"),
    chat_close=("谢谢", "好的"),
    summary=("用户表示感谢。",),
    polarity=(("满意", "失望"), ("非常满意", "非常失望"), ("推荐", "不推荐")),
    rate=1.0,
)


def test_wrapped_copies_keep_label_and_text() -> None:
    examples = [("refund", "退款还没到账"), ("invoice", "发票抬头写错了")]
    extra = [e for e in BANKS(examples) if e[0] != "quality_defect"]
    assert [label for label, _ in extra] == ["refund", "invoice"]
    for (_, original), (_, wrapped) in zip(examples, extra, strict=True):
        assert original in wrapped and wrapped != original


def test_summaries_get_summary_sentences() -> None:
    (label, text), *_ = BANKS([("logistics", "用户询问快递什么时候到。")])
    assert label == "logistics"
    assert "用户询问快递什么时候到。" in text and "用户表示感谢。" in text


def test_english_is_left_alone() -> None:
    assert BANKS([("refund", "Where is my refund?")]) == []


def test_augmentation_is_deterministic() -> None:
    examples = [("refund", f"退款{i}天了还没到") for i in range(50)]
    aug = replace(BANKS, rate=0.5)
    first, second = aug(examples), aug(examples)
    assert first == second
    assert 0 < len(first) < len(examples)


def test_counterfactual_turns_praise_into_a_complaint() -> None:
    extra = Augmenter(polarity=BANKS.polarity, rate=0.0)(
        [("other", "这次买的很满意，推荐"), ("other", "快递很快，满意")]
    )
    assert extra == [("quality_defect", "这次买的很失望，不推荐")]


def test_counterfactual_only_from_other() -> None:
    assert Augmenter(polarity=BANKS.polarity, rate=0.0)([("refund", "退款很满意")]) == []


def test_project_banks_load() -> None:
    folder = default_training_dir()
    assert folder is not None
    aug = load_augmenter(folder)
    assert aug is not None and aug.narrative and aug.chat_open and aug.chat_close and aug.summary and aug.polarity
    assert load_augmenter(Path("/nonexistent")) is None


def test_held_out_split_is_never_augmented() -> None:
    examples = [("refund", f"退款{i}还没到账") for i in range(40)] + [("invoice", f"发票{i}开错了") for i in range(40)]
    plain = train_artifact(examples, TrainConfig(epochs=2, min_count=1), refit_full=False)
    grown = train_artifact(examples, TrainConfig(epochs=2, min_count=1), refit_full=False, augment=BANKS)
    _, held = split(examples)
    assert plain.metrics["n_eval"] == grown.metrics["n_eval"] == len(held)
    assert grown.metrics["n_train"] == plain.metrics["n_train"]
    assert grown.metrics["n_augmented"] == plain.metrics["n_train"]


def test_augmented_copies_do_not_grow_the_vocabulary() -> None:
    from aftersales.classification.model import train_model

    examples = [
        ("refund", "退款还没到账"),
        ("refund", "退款失败了"),
        ("invoice", "发票开错了"),
        ("invoice", "发票抬头不对"),
    ]
    cfg = TrainConfig(epochs=2, min_count=2)
    plain = train_model(examples, ["refund", "invoice"], cfg)
    grown = train_model(examples, ["refund", "invoice"], cfg, extra=examples)
    assert grown.weights("w:到账") is None  # seen once in the real examples: below min_count either way
    assert set(grown.index) == set(plain.index)
