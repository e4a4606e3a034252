"""Packed fixed-point scoring, the v3 artifact and older formats, and the specialised jieba loops."""

from __future__ import annotations

import json
import math
import random
import struct
from array import array

import pytest

from aftersales.classification.features import feature_groups, featurize
from aftersales.classification.model import COLUMNS_MAGIC, LinearModel
from aftersales.classification.segment import get_tokenizer
from aftersales.classification.text import normalize

CLASSES = ["refund", "invoice", "logistics"]
TEXTS = [
    "退款什么时候到账，等了三天了",
    "发票抬头写错了，能重开吗？",
    "快递到哪了 物流一直不更新!!",
    "包装破了但是东西完好",
    "东西没坏，不是尺码问题",
    "用户询问退款进度。用户表示已经寄回。",
    "refund not received yet, order 1234567",
    "",
]


def _random_model(seed: int = 3) -> tuple[LinearModel, dict[str, list[float]], dict[str, float], list[float]]:
    """A model over every feature of TEXTS, with known float weights and IDFs."""
    rng = random.Random(seed)
    names = sorted({name for t in TEXTS for name in featurize(normalize(t))[0]})
    weights = {n: [rng.uniform(-8, 8) for _ in CLASSES] for n in names}
    fidf = {n: rng.uniform(1, 9) for n in names}
    bias = [0.1, -0.2, 0.3]
    model = LinearModel.from_weights(CLASSES, names, [weights[n] for n in names], [fidf[n] for n in names], bias)
    return model, weights, fidf, bias


def _float_logits(
    feats: dict[str, float], weights: dict[str, list[float]], fidf: dict[str, float], bias: list[float]
) -> list[float]:
    """The textbook computation: L2-normalised IDF-weighted vector times the weights."""
    norm = math.sqrt(sum((v * fidf[n]) ** 2 for n, v in feats.items() if n in fidf))
    if norm == 0:
        return list(bias)
    return [b + sum(v * weights[n][j] for n, v in feats.items() if n in fidf) / norm for j, b in enumerate(bias)]


def test_packed_logits_match_float_arithmetic() -> None:
    model, weights, fidf, bias = _random_model()
    for text in TEXTS:
        clean = normalize(text)
        expected = _float_logits(featurize(clean)[0], weights, fidf, bias)
        got = model.packed_logits(feature_groups(clean)[0])
        assert got == pytest.approx(expected, abs=1e-5)
        assert model.logits(featurize(clean)[0]) == pytest.approx(expected, abs=1e-5)


def test_unknown_features_score_the_bias() -> None:
    model, *_ = _random_model()
    assert model.packed_logits({1.0: ["c:never-seen"], 0.5: []}) == [0.1, -0.2, 0.3]


def test_feature_groups_hold_each_name_once_under_its_weight() -> None:
    for text in TEXTS:
        groups, _ = feature_groups(normalize(text))
        names = [n for group in groups.values() for n in group]
        assert len(names) == len(set(names))
        assert {n: w for w, group in groups.items() for n in group} == featurize(normalize(text))[0]


def test_v3_round_trip_is_exact() -> None:
    model, *_ = _random_model()
    again = LinearModel.from_bytes(model.to_bytes())
    assert again.rows == model.rows and again.index == model.index
    groups = feature_groups(normalize(TEXTS[0]))[0]
    assert again.packed_logits(groups) == model.packed_logits(groups)


def test_truncated_v3_artifact_rejected() -> None:
    data = _random_model()[0].to_bytes()
    with pytest.raises(ValueError, match="corrupt"):
        LinearModel.from_bytes(data[:-5])


def _v2_bytes(weights: dict[str, list[float]], fidf: dict[str, float], bias: list[float]) -> bytes:
    """A version-2 artifact (float32 class columns with the IDF folded in), as older stores hold."""
    names = sorted(weights)
    blocks = [
        "\n".join(names).encode(),
        *(array("f", (weights[n][j] for n in names)).tobytes() for j in range(len(CLASSES))),
        array("f", (fidf[n] for n in names)).tobytes(),
        "快递".encode(),
        array("f", [2.5]).tobytes(),
    ]
    from aftersales.classification.features import FEATURE_VERSION

    header = {
        "format": "aftersales-linear/2",
        "feature_version": FEATURE_VERSION,
        "version": "v2-model",
        "classes": CLASSES,
        "bias": bias,
        "temperature": 1.5,
        "n_features": len(names),
        "n_idf": 1,
        "blocks": [len(b) for b in blocks],
    }
    raw = json.dumps(header).encode()
    return b"".join([COLUMNS_MAGIC, struct.pack(">I", len(raw)), raw, *blocks])


def test_version_2_artifacts_still_load() -> None:
    _, weights, fidf, bias = _random_model()
    old = LinearModel.from_bytes(_v2_bytes(weights, fidf, bias))
    assert old.version == "v2-model" and old.temperature == 1.5 and old.idf == {"快递": 2.5}
    for text in TEXTS:
        clean = normalize(text)
        expected = _float_logits(featurize(clean)[0], weights, fidf, bias)
        assert old.packed_logits(feature_groups(clean)[0]) == pytest.approx(expected, abs=1e-4)


def test_fused_jieba_cut_segments_like_stock_jieba() -> None:
    import jieba

    fast = get_tokenizer()
    mangled = "_Tokenizer__cut_DAG_NO_HMM"
    assert getattr(type(fast), mangled) is not getattr(jieba.Tokenizer, mangled), "the fused cut is not in use"
    stock = jieba.Tokenizer()
    stock.FREQ, stock.total, stock.initialized = fast.FREQ, fast.total, True
    samples = [
        *TEXTS,
        "七天无理由退货，价保怎么申请",
        "鞋子开胶了还漏发了一只袜子",
        "ab c 123 电话13800138000 iPhone15ProMax 256G",
        "研究生命起源南京市长江大桥结婚的和尚未结婚的",
    ]
    for text in samples:
        assert list(fast.cut(text, HMM=False)) == list(stock.cut(text, HMM=False))


def test_jieba_hmm_tables_load_only_when_used() -> None:
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from aftersales.classification import classify\n"
        "classify('快递到了箱子压扁了')\n"
        "assert 'jieba.finalseg.prob_emit' not in sys.modules, 'HMM tables loaded at start'\n"
        "from aftersales.classification.segment import get_tokenizer\n"
        "words = list(get_tokenizer().cut('小明硕士毕业于中国科学院计算所', HMM=True))\n"
        "assert 'jieba.finalseg.prob_emit' in sys.modules and '小明' in words, words\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_long_texts_sum_in_chunks_without_carries() -> None:
    text = normalize("".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(900)))
    feats = featurize(text)[0]
    assert len(feats) > 3 * 255
    rng = random.Random(5)
    names = sorted(feats)
    weights = {n: [rng.uniform(-8, 8) for _ in CLASSES] for n in names}
    fidf = {n: rng.uniform(1, 9) for n in names}
    model = LinearModel.from_weights(CLASSES, names, [weights[n] for n in names], [fidf[n] for n in names], [0, 0, 0])
    expected = _float_logits(feats, weights, fidf, [0, 0, 0])
    assert model.packed_logits(feature_groups(text)[0]) == pytest.approx(expected, abs=1e-5)


def test_polarity_features_share_weight_across_words_and_flip_under_negation() -> None:
    def polar(text: str) -> set[str]:
        feats, _ = featurize(normalize(text))
        return {name for name in feats if name.startswith(("p:", "s:"))}

    # two different complaint words map to the same shared feature
    assert "p:2" in polar("质量太差劲了") and "p:2" in polar("就是个垃圾")
    assert "p:-2" in polar("东西不错") and "p:2" not in polar("东西不错")
    # 不满意: the praise word is negated, so it counts as a complaint
    assert polar("很不满意") & {"p:1", "p:2"}


def test_polarity_lexicon_is_figures_only() -> None:
    from aftersales.classification.features import polarity_lexicon

    lex = polarity_lexicon()
    assert len(lex) > 1000
    assert set(lex.values()) <= {-2, -1, 1, 2}
    assert max(map(len, lex)) <= 8  # single words, never sentences
