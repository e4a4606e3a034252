"""Classifier benchmark: dev-set quality vs. a TF-IDF+LR baseline, cold start, latency, throughput.

Run: ``.venv/bin/python bench/classifier.py``. Prints ``name=value`` lines (see
``bench/common.py``) and merges them into ``bench/latest.json``.
"""

from __future__ import annotations

import math
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "layers" / "domain"))
sys.path.insert(0, str(ROOT / "data" / "validation"))

from common import record  # noqa: E402
from raw_corpus import labelled  # noqa: E402

from aftersales.classification import Classifier  # noqa: E402
from aftersales.classification.segment import cut  # noqa: E402
from aftersales.classification.text import normalize  # noqa: E402
from aftersales.classification.training import CLASSES, evaluate, load_training_set, read_tsv  # noqa: E402

PYTHON = sys.executable
AFTERSALES = str(Path(PYTHON).with_name("aftersales"))


RAW_LABELS = ROOT / "data" / "validation" / "raw_sample_labels.tsv"


def raw_dir() -> Path:
    env = os.environ.get("AFTERSALES_RAW_DIR")
    return Path(env) if env else (ROOT / ".." / "shared" / "data" / "raw").resolve()


def dev_path() -> Path:
    env = os.environ.get("AFTERSALES_DEV_TSV")
    return Path(env) if env else (ROOT / ".." / "shared" / "data" / "dev.tsv").resolve()


# -- baseline: plain TF-IDF (jieba words + char 1-3 grams) + multinomial LR ---------------
def _base_feats(text: str) -> list[str]:
    s = normalize(text).lower()
    feats = ["w:" + t for t in cut(s)]
    compact = "".join(s.split())
    for n in (1, 2, 3):
        feats += ["c:" + compact[i : i + n] for i in range(len(compact) - n + 1)]
    return feats


class TfidfLogReg:
    """Textbook baseline: TF-IDF vectors, L2-normalised, softmax regression by SGD."""

    def __init__(self, epochs: int = 10, lr: float = 0.5, seed: int = 7) -> None:
        self.epochs, self.lr, self.seed = epochs, lr, seed
        self.idf: dict[str, float] = {}
        self.w: dict[str, list[float]] = {}
        self.b: list[float] = []

    def _vec(self, text: str) -> list[tuple[str, float]]:
        tf = Counter(f for f in _base_feats(text) if f in self.idf)
        items = [(f, (1 + math.log(c)) * self.idf[f]) for f, c in tf.items()]
        norm = math.sqrt(sum(v * v for _, v in items)) or 1.0
        return [(f, v / norm) for f, v in items]

    def fit(self, examples: list[tuple[str, str]]) -> TfidfLogReg:
        df: Counter[str] = Counter()
        for _, t in examples:
            df.update(set(_base_feats(t)))
        n = len(examples)
        self.idf = {f: math.log((1 + n) / (1 + c)) + 1 for f, c in df.items() if c >= 2}
        k = len(CLASSES)
        cidx = {c: i for i, c in enumerate(CLASSES)}
        data = [(self._vec(t), cidx[y]) for y, t in examples]
        self.w = {f: [0.0] * k for f in self.idf}
        self.b = [0.0] * k
        rng = random.Random(self.seed)
        total, step = self.epochs * n, 0
        for _ in range(self.epochs):
            rng.shuffle(data)
            for x, y in data:
                eta = self.lr * (1 - step / total) + 0.01
                step += 1
                p = self._proba(x)
                p[y] -= 1
                active = [j for j in range(k) if abs(p[j]) > 1e-6]
                for j in active:
                    self.b[j] -= eta * p[j] * 0.1
                for f, v in x:
                    row = self.w[f]
                    for j in active:
                        row[j] -= eta * p[j] * v
        return self

    def _proba(self, x: list[tuple[str, float]]) -> list[float]:
        s = list(self.b)
        for f, v in x:
            row = self.w[f]
            s = [a + v * r for a, r in zip(s, row, strict=True)]
        m = max(s)
        e = [math.exp(a - m) for a in s]
        z = sum(e)
        return [a / z for a in e]

    def predict(self, text: str) -> str:
        p = self._proba(self._vec(text))
        return CLASSES[max(range(len(p)), key=p.__getitem__)]


# -- measurements -----------------------------------------------------------------------
def quality(clf: Classifier, dev: list[tuple[str, str]], train: list[tuple[str, str]]) -> dict[str, float]:
    gold = [y for y, _ in dev]
    pred = [clf.predict(t)[0].value for _, t in dev]
    rep = evaluate(gold, pred)
    base = TfidfLogReg().fit(train)
    brep = evaluate(gold, [base.predict(t) for _, t in dev])
    return {
        "classify_dev_macro_f1": round(rep.macro_f1, 4),
        "classify_dev_accuracy": round(rep.accuracy, 4),
        "classify_baseline_dev_macro_f1": round(brep.macro_f1, 4),
    }


def raw_sample_quality(clf: Classifier, raw: Path) -> dict[str, float]:
    """The hand-labelled raw-corpus sample: a second real-text measurement beside dev."""
    rows = labelled(RAW_LABELS, raw)
    rep = evaluate([y for _, y, _ in rows], [clf.predict(t)[0].value for _, _, t in rows])
    return {
        "classify_raw_sample_macro_f1": round(rep.macro_f1, 4),
        "classify_raw_sample_accuracy": round(rep.accuracy, 4),
        "classify_raw_sample_n": len(rows),
    }


# The child prints the wall clock once its first ticket is classified: the figure runs from
# spawning the interpreter to that moment (a Lambda init + first invoke), not to process exit.
COLD_SNIPPET = (
    "from aftersales.classification import classify; classify('快递到了箱子压扁了但里面东西没事'); "
    "import time; print(repr(time.time()))"
)


def cold_start_ms(runs: int = 7) -> float:
    """Median wall time of fresh interpreters doing import + first classify (incl. startup).

    The package is byte-compiled first, as any installed package is: this machine sets
    PYTHONDONTWRITEBYTECODE, so an editable checkout would otherwise recompile every module
    on every start and the figure would measure the compiler, not the classifier.
    """
    env = dict(os.environ)
    env.pop("AFTERSALES_MODEL_DIR", None)
    subprocess.run(
        [PYTHON, "-m", "compileall", "-q", str(ROOT / "layers" / "domain" / "aftersales")], check=True, env=env
    )
    times = []
    for _ in range(runs):
        started = time.time()
        done = subprocess.run([PYTHON, "-c", COLD_SNIPPET], check=True, capture_output=True, env=env)
        times.append((float(done.stdout) - started) * 1000)
    return round(statistics.median(times), 1)


def warm_ms(clf: Classifier, texts: list[str], rounds: int = 5) -> float:
    """Median per-ticket latency of the full ``classify`` (extraction, keywords, …)."""
    for t in texts[:200]:
        clf.classify(t)
    per = []
    for _ in range(rounds):
        for t in texts[:1000]:
            s = time.perf_counter()
            clf.classify(t)
            per.append((time.perf_counter() - s) * 1000)
    return round(statistics.median(per), 4)


def throughput(texts: list[str], n: int = 10_000, rounds: int = 3) -> float:
    """Tickets/s through the real ``aftersales classify`` CLI subprocess (median of rounds)."""
    lines = "".join(f"t{i}\t{texts[i % len(texts)]}\n" for i in range(n)).encode("utf-8")
    cmd = [AFTERSALES, "classify"] if Path(AFTERSALES).exists() else [PYTHON, "-m", "aftersales.cli", "classify"]
    rates = []
    for _ in range(rounds):
        t = time.perf_counter()
        res = subprocess.run(cmd, input=lines, check=True, capture_output=True)
        dt = time.perf_counter() - t
        if res.stdout.count(b"\n") != n:
            raise RuntimeError("classify CLI returned the wrong number of lines")
        rates.append(n / dt)
    return round(statistics.median(rates), 1)


def main() -> None:
    clf = Classifier.bundled()
    train = load_training_set()
    texts = [t for _, t in train]
    random.Random(1).shuffle(texts)
    figures: dict[str, float] = {}
    dev_file = dev_path()
    if dev_file.exists():
        figures.update(quality(clf, read_tsv(dev_file), train))
    else:
        print(f"dev set not found at {dev_file} (set AFTERSALES_DEV_TSV); skipping quality figures", file=sys.stderr)
    if raw_dir().is_dir():
        figures.update(raw_sample_quality(clf, raw_dir()))
    else:
        print(
            f"raw corpora not found at {raw_dir()} (set AFTERSALES_RAW_DIR); skipping raw-sample figures",
            file=sys.stderr,
        )
    figures["classify_cold_start_ms"] = cold_start_ms()
    figures["classify_warm_ms_per_ticket"] = warm_ms(clf, texts)
    figures["classify_tickets_per_s"] = throughput(texts)
    record(figures)


if __name__ == "__main__":
    main()
