"""Texts of the research corpora in ``../shared/data/raw``, addressed by a stable key.

Why: the raw corpora come from the same sources as the real traffic (JD customer-service
chats and their summaries, marketplace reviews), so a hand-labelled sample of them is a
second measurement of the classifier on real text, beside ``dev.tsv``. Their licences keep
their text out of the project, so the labels file stores only ``key<TAB>category`` and
this module reads the text from the corpora at run time.

Keys: ``csds:<line>``, ``jddc19:<session>``, ``shop:<line>``, ``waimai:<line>``,
``zj:<id>`` (line numbers are 1-based over data rows, after any CSV header).
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

#: A chat sample is the customer's first turns, joined by spaces, the way a ticket opens.
CHAT_TURNS = 3


def _csv_rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        yield from csv.DictReader(fh)


def corpus_texts(raw_dir: Path) -> dict[str, tuple[str, str]]:
    """key -> (stratum, text) for every usable text of the corpora found in ``raw_dir``."""
    out: dict[str, tuple[str, str]] = {}
    path = raw_dir / "csds_user_summaries.txt"
    if path.exists():
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                out[f"csds:{i}"] = ("summary", line.strip())
    path = raw_dir / "jddc2019_chat_sample.tsv"
    if path.exists():
        turns: dict[str, list[str]] = defaultdict(list)
        for line in path.read_text(encoding="utf-8").splitlines():
            cols = line.split("\t")
            if len(cols) >= 7 and cols[2] == "0" and cols[6].strip():
                turns[cols[0]].append(cols[6].strip())
        for session, said in turns.items():
            out[f"jddc19:{session}"] = ("chat", " ".join(said[:CHAT_TURNS]))
    path = raw_dir / "online_shopping_10_cats.csv"
    if path.exists():
        for i, row in enumerate(_csv_rows(path), 1):
            if row.get("cat") != "酒店" and (row.get("review") or "").strip():
                stratum = "review_neg" if row.get("label") == "0" else "review_pos"
                out[f"shop:{i}"] = (stratum, row["review"].strip())
    path = raw_dir / "waimai_10k.csv"
    if path.exists():
        for i, row in enumerate(_csv_rows(path), 1):
            if (row.get("review") or "").strip():
                stratum = "food_neg" if row.get("label") == "0" else "food_pos"
                out[f"waimai:{i}"] = (stratum, row["review"].strip())
    path = raw_dir / "zhijiang2019_reviews.csv"
    if path.exists():
        for row in _csv_rows(path):
            if (row.get("Reviews") or "").strip():
                out[f"zj:{row['id']}"] = ("cosmetics", row["Reviews"].strip())
    return out


#: How many texts of each stratum the labelled sample draws (about the mix of real traffic).
SAMPLE_PLAN = {
    "summary": 260,
    "chat": 260,
    "review_neg": 380,
    "review_pos": 60,
    "food_neg": 90,
    "food_pos": 10,
    "cosmetics": 140,
}


def sample_keys(texts: dict[str, tuple[str, str]], seed: int = 20261204) -> list[str]:
    """A seeded, stratified sample of keys following ``SAMPLE_PLAN``, shuffled."""
    rng = random.Random(seed)
    by_stratum: dict[str, list[str]] = defaultdict(list)
    for key, (stratum, _) in texts.items():
        by_stratum[stratum].append(key)
    keys: list[str] = []
    for stratum, n in SAMPLE_PLAN.items():
        pool = sorted(by_stratum.get(stratum, []))
        keys += rng.sample(pool, min(n, len(pool)))
    rng.shuffle(keys)
    return keys


def labelled(labels_file: Path, raw_dir: Path) -> list[tuple[str, str, str]]:
    """(key, category, text) for every labelled key whose text is found in ``raw_dir``."""
    texts = corpus_texts(raw_dir)
    rows = []
    for line in labels_file.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, category = line.split("\t")[:2]
        if key in texts:
            rows.append((key, category, texts[key][1]))
    return rows
