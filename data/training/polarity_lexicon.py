"""Build the classifier's word-polarity lexicon from labelled review corpora.

Why: the hand-written training set cannot contain every way customers say "bad"; a
lexicon measured on tens of thousands of real labelled reviews gives each word a
polarity the model can share across words it never saw in training. Only per-word
figures (a log-odds) are written, never any text of the corpora.

    python data/training/polarity_lexicon.py ../shared/data/raw \
        > layers/domain/aftersales/classification/data/word_polarity.tsv
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from aftersales.classification.features import prepare
from aftersales.classification.segment import cut
from aftersales.classification.text import normalize

#: (file, label column, text column); label 1 = positive review, 0 = negative.
CORPORA = (("online_shopping_10_cats.csv", "label", "review"), ("waimai_10k.csv", "label", "review"))


def labelled_reviews(raw_dir: Path) -> Iterator[tuple[bool, str]]:
    """(is_negative, text) for every review of the corpora found in ``raw_dir``."""
    for name, label, text in CORPORA:
        path = raw_dir / name
        if not path.exists():
            print(f"skipping missing {path}", file=sys.stderr)
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get(label) in ("0", "1"):
                    yield row[label] == "0", row.get(text) or ""


def polarity(reviews: Iterator[tuple[bool, str]], min_df: int, min_abs: float) -> list[tuple[str, float]]:
    """Words with document frequency ≥ ``min_df`` and |log-odds(negative)| ≥ ``min_abs``."""
    neg: Counter[str] = Counter()
    pos: Counter[str] = Counter()
    n_neg = n_pos = 0
    for negative, text in reviews:
        words = {t for t in cut(prepare(normalize(text)[:300])) if any(c.isalnum() for c in t)}
        if negative:
            neg.update(words)
            n_neg += 1
        else:
            pos.update(words)
            n_pos += 1
    out = []
    for word in neg.keys() | pos.keys():
        if neg[word] + pos[word] < min_df:
            continue
        score = math.log((neg[word] + 1) / (n_neg + 2)) - math.log((pos[word] + 1) / (n_pos + 2))
        if abs(score) >= min_abs:
            out.append((word, round(score, 1)))
    return sorted(out, key=lambda ws: (ws[1], ws[0]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw_dir", type=Path, help="folder holding the labelled review CSVs")
    parser.add_argument("--min-df", type=int, default=20)
    parser.add_argument("--min-abs", type=float, default=0.7)
    args = parser.parse_args(argv)
    rows = polarity(labelled_reviews(args.raw_dir), args.min_df, args.min_abs)
    print(
        f"# word<TAB>polarity: log-odds of appearing in a negative vs a positive review (document frequency,"
        f" add-one), |x| >= {args.min_abs}, df >= {args.min_df}."
    )
    print(
        "# Figures derived from the online_shopping_10_cats and waimai_10k labelled review corpora by"
        " data/training/polarity_lexicon.py; no text is kept."
    )
    for word, score in rows:
        print(f"{word}\t{score}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
