"""Multinomial logistic regression in pure Python, plus its compact artifact format.

Why pure Python: the Lambda layer must stay small and cold starts fast, so no
numpy/scikit-learn. Sparse SGD over a few thousand short texts trains in seconds.

Artifact (gzip'd JSON): feature names as one newline-joined string and weights as
base64 float32 (row-major, one row of ``len(classes)`` per feature). Loading is a
decompress, a ``split`` and an ``array.frombytes`` — a few ms, no per-weight objects.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import math
import random
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from aftersales.classification.features import FEATURE_VERSION, featurize
from aftersales.classification.text import normalize

ARTIFACT_FORMAT = "aftersales-linear/1"


@dataclass(slots=True)
class LinearModel:
    """Trained weights plus everything inference needs (classes, calibration, IDF)."""

    classes: list[str]
    index: dict[str, int]  # feature name -> row offset into ``weights``
    weights: array  # float32, row-major
    bias: list[float]
    fidf: array = field(default_factory=lambda: array("f"))  # per-feature IDF, by row number
    temperature: float = 1.0
    idf: dict[str, float] = field(default_factory=dict)
    version: str = "unversioned"
    metrics: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def logits(self, feats: dict[str, float]) -> list[float]:
        """Raw class scores for a feature dict (vector is L2-normalised here)."""
        scores = list(self.bias)
        k = len(scores)
        index = self.index
        fidf = self.fidf
        hits: list[tuple[int, float]] = []
        sq = 0.0
        for name, value in feats.items():
            off = index.get(name)
            if off is None:
                continue
            v = value * fidf[off // k]
            sq += v * v
            hits.append((off, v))
        if not hits:
            return scores
        norm = math.sqrt(sq)
        w = self.weights
        for off, value in hits:
            v = value / norm
            row = w[off : off + k]
            scores = [s + v * r for s, r in zip(scores, row, strict=True)]
        return scores

    def proba(self, feats: dict[str, float]) -> list[float]:
        """Temperature-calibrated class probabilities."""
        return softmax(self.logits(feats), self.temperature)

    # -- serialisation -------------------------------------------------
    def to_bytes(self) -> bytes:
        names = sorted(self.index, key=self.index.__getitem__)
        payload = {
            "format": ARTIFACT_FORMAT,
            "feature_version": FEATURE_VERSION,
            "version": self.version,
            "classes": self.classes,
            "bias": [round(b, 6) for b in self.bias],
            "temperature": self.temperature,
            "features": "\n".join(names),
            "weights": base64.b64encode(self.weights.tobytes()).decode("ascii"),
            "feature_idf": base64.b64encode(self.fidf.tobytes()).decode("ascii"),
            "idf": self.idf,
            "metrics": self.metrics,
            "meta": self.meta,
        }
        raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return gzip.compress(raw, compresslevel=9, mtime=0)

    @classmethod
    def from_bytes(cls, data: bytes) -> LinearModel:
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        payload = json.loads(data)
        if payload.get("format") != ARTIFACT_FORMAT:
            raise ValueError(f"unsupported artifact format {payload.get('format')!r}")
        if payload.get("feature_version") != FEATURE_VERSION:
            raise ValueError(
                f"artifact built with features {payload.get('feature_version')!r}, code has {FEATURE_VERSION!r}"
            )
        classes = list(payload["classes"])
        k = len(classes)
        weights = array("f")
        weights.frombytes(base64.b64decode(payload["weights"]))
        names = payload["features"].split("\n") if payload["features"] else []
        fidf = array("f")
        fidf.frombytes(base64.b64decode(payload["feature_idf"]))
        if len(weights) != len(names) * k or len(fidf) != len(names):
            raise ValueError("corrupt artifact: weight matrix does not match feature list")
        return cls(
            classes=classes,
            index=dict(zip(names, range(0, len(names) * k, k), strict=True)),
            weights=weights,
            bias=list(payload["bias"]),
            fidf=fidf,
            temperature=float(payload.get("temperature", 1.0)),
            idf=dict(payload.get("idf", {})),
            version=str(payload.get("version", "unversioned")),
            metrics=dict(payload.get("metrics", {})),
            meta=dict(payload.get("meta", {})),
        )


def softmax(scores: Sequence[float], temperature: float = 1.0) -> list[float]:
    t = temperature if temperature > 0 else 1.0
    m = max(scores)
    exps = [math.exp((s - m) / t) for s in scores]
    z = sum(exps)
    return [e / z for e in exps]


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Hyper-parameters; defaults were picked on a held-out slice of the training data."""

    epochs: int = 6
    learning_rate: float = 0.5
    l2: float = 1e-5
    min_count: int = 2
    class_balance: float = 1.0  # example weight ∝ (1/class_freq) ** class_balance
    seed: int = 13
    prune: float = 1e-3


def _vectorize(texts: Iterable[str]) -> list[tuple[dict[str, float], list[str]]]:
    return [featurize(normalize(t)) for t in texts]


def train_model(
    examples: Sequence[tuple[str, str]],
    classes: Sequence[str],
    config: TrainConfig | None = None,
    calibration: Sequence[tuple[str, str]] = (),
) -> LinearModel:
    """Fit multinomial LR with SGD; ``examples`` are ``(label, text)`` pairs.

    When ``calibration`` examples are given, a softmax temperature is fitted on
    them (minimum NLL) so ``confidence`` behaves like a probability.
    """
    cfg = config or TrainConfig()
    classes = list(classes)
    cidx = {c: i for i, c in enumerate(classes)}
    k = len(classes)
    vecs = _vectorize(t for _, t in examples)
    labels = [cidx[y] for y, _ in examples]
    df: Counter[str] = Counter()
    tok_df: Counter[str] = Counter()
    for feats, toks in vecs:
        df.update(feats.keys())
        tok_df.update(set(toks))
    n_docs = len(vecs)
    fidf = {f: math.log((n_docs + 1) / (c + 1)) + 1.0 for f, c in df.items() if c >= cfg.min_count}
    keep = set(fidf)
    data: list[tuple[list[tuple[str, float]], int]] = []
    for (feats, _), y in zip(vecs, labels, strict=True):
        items = [(f, v * fidf[f]) for f, v in feats.items() if f in keep]
        norm = math.sqrt(sum(v * v for _, v in items)) or 1.0
        data.append(([(f, v / norm) for f, v in items], y))
    freq = Counter(labels)
    n = len(data)
    cw = [((n / (k * freq[i])) ** cfg.class_balance) if freq[i] else 0.0 for i in range(k)]
    mean_cw = sum(cw[y] for y in labels) / max(n, 1)
    cw = [c / mean_cw for c in cw]
    W: dict[str, list[float]] = {f: [0.0] * k for f in keep}
    bias = [0.0] * k
    rng = random.Random(cfg.seed)
    order = list(range(n))
    step = 0
    total_steps = max(cfg.epochs * n, 1)
    decay = 1.0 - cfg.l2
    for _epoch in range(cfg.epochs):
        rng.shuffle(order)
        for i in order:
            items, y = data[i]
            eta = cfg.learning_rate * (1.0 - step / total_steps) + 0.01
            step += 1
            scores = list(bias)
            for f, v in items:
                row = W[f]
                scores = [s + v * r for s, r in zip(scores, row, strict=True)]
            probs = softmax(scores)
            probs[y] -= 1.0
            g = [p * eta * cw[y] for p in probs]
            # skip negligible gradient entries: big speed-up once the model fits
            active = [j for j in range(k) if g[j] > 1e-6 or g[j] < -1e-6]
            if not active:
                continue
            for j in active:
                bias[j] -= g[j] * 0.1
            for f, v in items:
                row = W[f]
                for j in active:
                    row[j] = row[j] * decay - g[j] * v
    weights = array("f")
    idf_rows = array("f")
    index: dict[str, int] = {}
    for f in sorted(W):
        row = W[f]
        if max(abs(x) for x in row) < cfg.prune:
            continue
        index[f] = len(weights)
        weights.extend(row)
        idf_rows.append(fidf[f])
    idf = {t: round(math.log((n + 1) / (c + 1)) + 1.0, 3) for t, c in tok_df.items() if c >= cfg.min_count}
    model = LinearModel(classes=classes, index=index, weights=weights, bias=bias, fidf=idf_rows, idf=idf)
    model.meta = {"n_train": n, "config": asdict(cfg)}
    if calibration:
        model.temperature = fit_temperature(model, calibration)
    return model


def fit_temperature(model: LinearModel, examples: Sequence[tuple[str, str]]) -> float:
    """Grid-search the softmax temperature minimising NLL on held-out examples."""
    cidx = {c: i for i, c in enumerate(model.classes)}
    logits = [(model.logits(featurize(normalize(t))[0]), cidx[y]) for y, t in examples if y in cidx]
    if not logits:
        return 1.0
    best_t, best_nll = 1.0, float("inf")
    for i in range(1, 61):
        t = 0.1 * i
        nll = 0.0
        for scores, y in logits:
            nll -= math.log(max(softmax(scores, t)[y], 1e-12))
        if nll < best_nll:
            best_t, best_nll = t, nll
    return round(best_t, 3)


def content_hash(examples: Iterable[tuple[str, str]]) -> str:
    """Short, order-independent hash of a training set (goes into version names)."""
    h = hashlib.sha256()
    for y, t in sorted(examples):
        h.update(f"{y}\t{t}\n".encode())
    return h.hexdigest()[:10]
