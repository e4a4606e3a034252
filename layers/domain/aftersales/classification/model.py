"""Multinomial logistic regression in pure Python, plus its compact artifact format.

Why pure Python: the Lambda layer must stay small and cold starts fast, so no
numpy/scikit-learn. Sparse SGD over a few thousand short texts trains in seconds.

Weights are kept as one float32 column per class with the feature IDF folded in;
inference sums the rows a ticket hits column-wise in C, one group per feature-weight
family, instead of a Python loop per feature and class.

Artifact (``aftersales-linear/2``): ``MAGIC``, a 4-byte big-endian header length, a
JSON header (classes, bias, calibration, sizes, metadata), then raw blocks: feature
names (newline-joined UTF-8), the k weight columns and the feature IDF (float32,
little-endian), and the keyword IDF table (names block + float32). Loading is a few
``frombytes`` calls and one ``split``; no base64, no decompression, no per-weight
objects. Version-1 artifacts (gzip'd JSON) still load.
"""

from __future__ import annotations

import json
import math
import struct
import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from aftersales.classification.features import FEATURE_VERSION, featurize
from aftersales.classification.text import normalize

ARTIFACT_FORMAT = "aftersales-linear/2"
LEGACY_FORMAT = "aftersales-linear/1"
MAGIC = b"ASLM2\n"


def _f32(data: bytes | memoryview = b"") -> array:
    out = array("f")
    out.frombytes(data)
    if sys.byteorder != "little":
        out.byteswap()
    return out


def _f32_bytes(values: array) -> bytes:
    if sys.byteorder == "little":
        return values.tobytes()
    swapped = array("f", values)
    swapped.byteswap()
    return swapped.tobytes()


@dataclass(slots=True)
class LinearModel:
    """Trained weights plus everything inference needs (classes, calibration, IDF)."""

    classes: list[str]
    index: dict[str, int]  # feature name -> row number
    columns: list[array]  # one float32 array per class: weight x feature IDF, by row number
    bias: list[float]
    fidf: array = field(default_factory=lambda: array("f"))  # per-feature IDF, by row number
    temperature: float = 1.0
    idf: dict[str, float] = field(default_factory=dict)
    version: str = "unversioned"
    metrics: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    _rows: list[tuple[float, ...] | None] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._rows = [None] * len(self.fidf)

    def _row(self, r: int) -> tuple[float, ...]:
        """Class weights of feature ``r``, materialised on first use (keeps loading O(1) in objects)."""
        row = tuple([col[r] for col in self.columns])
        self._rows[r] = row
        return row

    def logits(self, feats: dict[str, float]) -> list[float]:
        """Raw class scores for a feature dict (the IDF-weighted vector is L2-normalised).

        Hits are grouped by feature value (a handful of family weights), each group's
        rows are summed column-wise in C (``zip(*rows)``), then scaled once.
        """
        index = self.index
        fidf = self.fidf
        rows = self._rows
        unit: list[tuple[float, ...]] = []  # value 1.0, by far the commonest (words, char n-grams)
        groups: dict[float, list[tuple[float, ...]]] = {1.0: unit}
        sq = 0.0
        for name, value in feats.items():
            r = index.get(name)
            if r is None:
                continue
            v = value * fidf[r]
            sq += v * v
            if value == 1.0:
                unit.append(rows[r] or self._row(r))
                continue
            group = groups.get(value)
            if group is None:
                groups[value] = [rows[r] or self._row(r)]
            else:
                group.append(rows[r] or self._row(r))
        if not unit:
            del groups[1.0]
        scores = list(self.bias)
        if not groups or sq <= 0.0:
            return scores
        inv = 1.0 / math.sqrt(sq)
        for value, group in groups.items():
            scale = value * inv
            scores = [a + scale * b for a, b in zip(scores, map(sum, zip(*group, strict=True)), strict=True)]
        return scores

    def proba(self, feats: dict[str, float]) -> list[float]:
        """Temperature-calibrated class probabilities."""
        return softmax(self.logits(feats), self.temperature)

    # -- serialisation -------------------------------------------------
    def to_bytes(self) -> bytes:
        names = sorted(self.index, key=self.index.__getitem__)
        idf_names = sorted(self.idf)
        blocks = [
            "\n".join(names).encode("utf-8"),
            *(_f32_bytes(col) for col in self.columns),
            _f32_bytes(self.fidf),
            "\n".join(idf_names).encode("utf-8"),
            _f32_bytes(array("f", (self.idf[t] for t in idf_names))),
        ]
        header = {
            "format": ARTIFACT_FORMAT,
            "feature_version": FEATURE_VERSION,
            "version": self.version,
            "classes": self.classes,
            "bias": [round(b, 6) for b in self.bias],
            "temperature": self.temperature,
            "n_features": len(names),
            "n_idf": len(idf_names),
            "blocks": [len(b) for b in blocks],
            "metrics": self.metrics,
            "meta": self.meta,
        }
        raw = json.dumps(header, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
        return b"".join([MAGIC, struct.pack(">I", len(raw)), raw, *blocks])

    @classmethod
    def from_bytes(cls, data: bytes) -> LinearModel:
        if not data.startswith(MAGIC):
            return cls._from_legacy(data)
        try:
            (size,) = struct.unpack_from(">I", data, len(MAGIC))
            start = len(MAGIC) + 4
            header: dict[str, Any] = json.loads(data[start : start + size])
        except (struct.error, ValueError) as exc:
            raise ValueError(f"corrupt artifact header: {exc}") from exc
        _check_header(header)
        classes = list(header["classes"])
        k = len(classes)
        sizes = list(header["blocks"])
        view = memoryview(data)[start + size :]
        if len(sizes) != k + 4 or sum(sizes) != len(view):
            raise ValueError("corrupt artifact: block sizes do not match the file")
        parts: list[memoryview] = []
        for n in sizes:
            parts.append(view[:n])
            view = view[n:]
        names = bytes(parts[0]).decode("utf-8").split("\n") if sizes[0] else []
        columns = [_f32(part) for part in parts[1 : k + 1]]
        fidf = _f32(parts[k + 1])
        idf_names = bytes(parts[k + 2]).decode("utf-8").split("\n") if sizes[k + 2] else []
        idf_values = _f32(parts[k + 3])
        n = len(names)
        if n != header["n_features"] or len(fidf) != n or any(len(c) != n for c in columns):
            raise ValueError("corrupt artifact: weight columns do not match the feature list")
        if len(idf_names) != len(idf_values):
            raise ValueError("corrupt artifact: keyword IDF table is inconsistent")
        return cls(
            classes=classes,
            index=dict(zip(names, range(n), strict=True)),
            columns=columns,
            bias=[float(b) for b in header["bias"]],
            fidf=fidf,
            temperature=float(header.get("temperature", 1.0)),
            idf=dict(zip(idf_names, idf_values, strict=True)),
            version=str(header.get("version", "unversioned")),
            metrics=dict(header.get("metrics", {})),
            meta=dict(header.get("meta", {})),
        )

    @classmethod
    def _from_legacy(cls, data: bytes) -> LinearModel:
        """Version-1 artifacts: gzip'd JSON with base64 row-major weights."""
        import base64
        import gzip

        try:
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            payload = json.loads(data)
        except (OSError, ValueError) as exc:
            raise ValueError(f"not a classifier artifact: {exc}") from exc
        if not isinstance(payload, dict) or payload.get("format") != LEGACY_FORMAT:
            fmt = payload.get("format") if isinstance(payload, dict) else None
            raise ValueError(f"unsupported artifact format {fmt!r}")
        _check_header(payload)
        classes = list(payload["classes"])
        k = len(classes)
        rows = _f32(base64.b64decode(payload["weights"]))
        names = payload["features"].split("\n") if payload["features"] else []
        fidf = _f32(base64.b64decode(payload["feature_idf"]))
        if len(rows) != len(names) * k or len(fidf) != len(names):
            raise ValueError("corrupt artifact: weight matrix does not match feature list")
        columns = [array("f", (w * f for w, f in zip(rows[j::k], fidf, strict=True))) for j in range(k)]
        return cls(
            classes=classes,
            index=dict(zip(names, range(len(names)), strict=True)),
            columns=columns,
            bias=list(payload["bias"]),
            fidf=fidf,
            temperature=float(payload.get("temperature", 1.0)),
            idf=dict(payload.get("idf", {})),
            version=str(payload.get("version", "unversioned")),
            metrics=dict(payload.get("metrics", {})),
            meta=dict(payload.get("meta", {})),
        )


def _check_header(header: dict[str, Any]) -> None:
    if header.get("format") not in (ARTIFACT_FORMAT, LEGACY_FORMAT):
        raise ValueError(f"unsupported artifact format {header.get('format')!r}")
    if header.get("feature_version") != FEATURE_VERSION:
        raise ValueError(
            f"artifact built with features {header.get('feature_version')!r}, code has {FEATURE_VERSION!r}"
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
    import random  # training only: keep it off the serving cold start

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
    kept = [f for f in sorted(W) if max(abs(x) for x in W[f]) >= cfg.prune]
    index = {f: i for i, f in enumerate(kept)}
    idf_rows = array("f", (fidf[f] for f in kept))
    columns = [array("f", (W[f][j] * fidf[f] for f in kept)) for j in range(k)]
    idf = {t: round(math.log((n + 1) / (c + 1)) + 1.0, 3) for t, c in tok_df.items() if c >= cfg.min_count}
    model = LinearModel(classes=classes, index=index, columns=columns, bias=bias, fidf=idf_rows, idf=idf)
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
    import hashlib

    h = hashlib.sha256()
    for y, t in sorted(examples):
        h.update(f"{y}\t{t}\n".encode())
    return h.hexdigest()[:10]
