"""Public API shape, negation/contrast behaviour and robustness against bad input."""

from __future__ import annotations

import pytest

from aftersales.classification import ClassificationResult, Classifier, Extraction, classify
from aftersales.taxonomy import Category


def test_result_shape() -> None:
    r = classify("快递到了箱子压扁了但里面东西没事，订单号123456789012，电话13812345678")
    assert isinstance(r, ClassificationResult)
    assert isinstance(r.category, Category)
    assert 0.0 <= r.confidence <= 1.0
    assert len(r.alternatives) == 3
    assert r.alternatives[0] == (r.category, r.confidence)
    assert all(isinstance(c, Category) for c, _ in r.alternatives)
    assert r.language == "zh"
    assert 0.0 <= r.anger <= 1.0
    assert isinstance(r.entities, Extraction)
    assert r.entities.phones == ["13812345678"]
    assert "123456789012" in r.entities.order_ids
    assert r.model_version
    assert isinstance(r.keywords, list) and all(isinstance(k, str) for k in r.keywords)
    assert r.needs_review == (r.confidence < 0.5)
    assert r.to_dict()["entities"]["phones"] == ["138****5678"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("包装破了但东西没事", Category.PACKAGING_DAMAGED),
        ("快递到了箱子压扁了但里面东西没事", Category.PACKAGING_DAMAGED),
        ("杯子碎了", Category.ITEM_DAMAGED),
        ("发票抬头开错了，要重开", Category.INVOICE),
        ("退款什么时候到账", Category.REFUND),
        ("饼干里吃出一只虫子", Category.FOOD_SAFETY),
        ("衣服偏小穿不上，想换大一码", Category.SIZE_MISMATCH),
    ],
)
def test_core_cases(text: str, expected: Category) -> None:
    assert classify(text).category is expected


def test_negation_changes_features() -> None:
    from aftersales.classification.features import featurize

    feats, tokens = featurize("东西没坏，不是尺码问题")
    assert "NOT_坏" in tokens
    assert "w:NOT_尺码" in feats
    assert "w:尺码" not in feats


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("用了半年不怎么耐用", "NOT_耐用"),
        ("水果不算新鲜", "NOT_新鲜"),
        ("没有想象的好", "NOT_好"),
        ("不是很满意", "NOT_满意"),
    ],
)
def test_softened_negation_and_degree_words(text: str, negated: str) -> None:
    from aftersales.classification.features import featurize

    _, tokens = featurize(text)
    assert negated in tokens


def test_contrast_clause_weighs_more() -> None:
    from aftersales.classification.features import featurize

    feats, _ = featurize("包装破了但是东西完好")
    assert feats["w:完好"] > feats["w:包装"]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀😀😀", "！！！？？？", "\x00\x01\x02", "<p>&nbsp;</p>", None],
)
def test_empty_like_input_is_low_confidence_other(text: str) -> None:
    r = classify(text)  # type: ignore[arg-type]
    assert r.category is Category.OTHER
    assert r.needs_review
    assert r.language == "unknown"


@pytest.mark.parametrize(
    "text",
    [
        "快递" * 50_000,  # 100 KB
        "<html><script>alert(1)</script><b>收到的杯子碎了</b></html>",
        "Mixed 中文 and English текст عربى 🎉 \u200b\u202e",
        "a\tb\nc\rd",
        "😀" * 1000 + "退款",
    ],
)
def test_bad_input_never_raises(text: str) -> None:
    r = classify(text)
    assert isinstance(r.category, Category)
    assert 0.0 <= r.confidence <= 1.0


def test_html_is_stripped() -> None:
    assert classify("<div><b>收到的杯子碎了</b></div>").category is Category.ITEM_DAMAGED


def test_language_detection() -> None:
    assert classify("The parcel arrived damaged, I want a refund").language == "en"
    assert classify("我的 iPhone 15 屏幕碎了").language == "zh"
    assert classify("my order 还没到 please check the tracking").language == "mixed"


def test_english_message() -> None:
    r = classify("I was charged twice for the same order")
    assert r.category is Category.PAYMENT


def test_refund_tag_on_damage() -> None:
    r = classify("收到的杯子碎了，我要退款")
    assert r.category is Category.ITEM_DAMAGED
    assert "refund" in r.tags


def test_anger() -> None:
    calm = classify("请问发票怎么开")
    angry = classify("垃圾客服！！！气死我了，我要去12315投诉你们！")
    assert angry.anger > 0.8 > calm.anger


def test_bundled_classifier_loads() -> None:
    clf = Classifier.bundled()
    cat, conf = clf.predict("怎么还没发货")
    assert cat is Category.LOGISTICS
    assert 0 < conf <= 1
