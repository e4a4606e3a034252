"""The keyed reader of the raw research corpora behind the hand-labelled measurement sample.

The corpora themselves are not in the project, so these tests write tiny stand-ins in the
same formats and check that keys resolve to the right text, deterministically.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "data" / "validation"))

from raw_corpus import corpus_texts, labelled, sample_keys  # noqa: E402

from aftersales.classification.training import CLASSES  # noqa: E402


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    (tmp_path / "csds_user_summaries.txt").write_text("用户询问发票怎么开。\n\n用户希望取消订单。\n", encoding="utf-8")
    (tmp_path / "jddc2019_chat_sample.tsv").write_text(
        "s1\tu1\t0\t0\t0\tnan\t你好\n"
        "s1\tu1\t1\t0\t0\tnan\t有什么可以帮您\n"
        "s1\tu1\t0\t0\t0\tnan\t地址能改吗\n"
        "s1\tu1\t0\t0\t0\tnan\t改到公司\n"
        "s1\tu1\t0\t0\t0\tnan\t谢谢\n",
        encoding="utf-8",
    )
    (tmp_path / "online_shopping_10_cats.csv").write_text(
        "\ufeffcat,label,review\n水果,0,苹果不甜\n酒店,0,房间很吵\n衣服,1,很合身\n", encoding="utf-8"
    )
    (tmp_path / "waimai_10k.csv").write_text("label,review\n0,送得太慢\n", encoding="utf-8")
    (tmp_path / "zhijiang2019_reviews.csv").write_text("id,Reviews\n7,保湿不错\n", encoding="utf-8")
    return tmp_path


def test_keys_resolve_to_the_texts(raw: Path) -> None:
    texts = corpus_texts(raw)
    assert texts["csds:1"] == ("summary", "用户询问发票怎么开。")
    assert texts["csds:3"] == ("summary", "用户希望取消订单。")
    # a chat is the customer's first three turns; the agent's turn is left out
    assert texts["jddc19:s1"] == ("chat", "你好 地址能改吗 改到公司")
    assert texts["shop:1"] == ("review_neg", "苹果不甜")
    assert "shop:2" not in texts  # hotel reviews are not e-commerce traffic
    assert texts["shop:3"] == ("review_pos", "很合身")
    assert texts["waimai:1"] == ("food_neg", "送得太慢")
    assert texts["zj:7"] == ("cosmetics", "保湿不错")


def test_missing_corpora_are_skipped(tmp_path: Path) -> None:
    assert corpus_texts(tmp_path) == {}


def test_sample_is_seeded_and_stratified(raw: Path) -> None:
    texts = corpus_texts(raw)
    first, again = sample_keys(texts), sample_keys(texts)
    assert first == again
    assert sorted(first) == sorted(texts)  # every stratum here is smaller than its quota


def test_labelled_joins_keys_with_texts_and_skips_unknown_keys(raw: Path, tmp_path: Path) -> None:
    labels = tmp_path / "labels.tsv"
    labels.write_text("# comment\ncsds:1\tinvoice\nshop:1\tquality_defect\nshop:999\tother\n", encoding="utf-8")
    assert labelled(labels, raw) == [
        ("csds:1", "invoice", "用户询问发票怎么开。"),
        ("shop:1", "quality_defect", "苹果不甜"),
    ]


def test_project_labels_are_keys_and_codes_only() -> None:
    """The committed sample holds no corpus text: two columns, a known key shape, a taxonomy code."""
    path = ROOT / "data" / "validation" / "raw_sample_labels.tsv"
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert len(rows) >= 300
    keys = set()
    for row in rows:
        assert len(row) == 2
        key, code = row
        assert key.split(":", 1)[0] in {"csds", "jddc19", "shop", "waimai", "zj"}
        assert code in CLASSES
        keys.add(key)
    assert len(keys) == len(rows)
