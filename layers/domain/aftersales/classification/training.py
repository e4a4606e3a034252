"""Training pipeline: data loading, held-out split, metrics and the promotion rule.

The evaluation split is a deterministic, hash-based slice of the project's OWN
training data, so two artifacts trained from the same data are comparable and
promotion never peeks at the external dev set.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from aftersales.classification.augment import Augmenter
from aftersales.classification.model import LinearModel, TrainConfig, content_hash, train_model
from aftersales.taxonomy import Category

CLASSES: list[str] = [c.value for c in Category]
EVAL_FRACTION = 0.1


def read_tsv(path: str | Path) -> list[tuple[str, str]]:
    """Read ``category<TAB>text`` (or ``id<TAB>category<TAB>text``) lines as (label, text)."""
    out: list[tuple[str, str]] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) == 2:
                label, text = parts
            elif len(parts) >= 3:
                label, text = parts[1], "\t".join(parts[2:])
            else:
                continue
            if label in CLASSES and text.strip():
                out.append((label, text))
    return out


def default_training_dir() -> Path | None:
    """The project's ``data/training`` folder, found upwards from this package."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        cand = parent / "data" / "training"
        if cand.is_dir() and any(cand.glob("*.tsv")):
            return cand
    return None


def default_training_files() -> list[Path]:
    """The project's training set: ``data/training/*.tsv`` next to the repo root."""
    folder = default_training_dir()
    return sorted(folder.glob("*.tsv")) if folder else []


def load_augmenter(training_dir: str | Path | None) -> Augmenter | None:
    """The augmentation banks of a training folder (``<dir>/augment``), if it has them."""
    if training_dir is None or not (Path(training_dir) / "augment").is_dir():
        return None
    return Augmenter.from_dir(Path(training_dir) / "augment")


def load_training_set(files: Iterable[str | Path] | None = None) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for f in files if files is not None else default_training_files():
        out.extend(read_tsv(f))
    return out


def is_eval(text: str, fraction: float = EVAL_FRACTION) -> bool:
    """Deterministic membership of the evaluation split (hash of the text)."""
    h = int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=4).digest(), "big")
    return (h % 10_000) < fraction * 10_000


def split(
    examples: Sequence[tuple[str, str]], fraction: float = EVAL_FRACTION
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    train = [e for e in examples if not is_eval(e[1], fraction)]
    held = [e for e in examples if is_eval(e[1], fraction)]
    return train, held


@dataclass(frozen=True, slots=True)
class Report:
    """Evaluation result: per-class P/R/F1, confusion matrix and the headline numbers."""

    classes: list[str]
    per_class: dict[str, tuple[float, float, float, int]]
    confusion: dict[str, dict[str, int]]
    macro_f1: float
    accuracy: float

    def render(self) -> str:
        lines = [f"{'category':<24}{'prec':>7}{'rec':>7}{'f1':>7}{'n':>6}"]
        for c in self.classes:
            p, r, f, n = self.per_class[c]
            lines.append(f"{c:<24}{p:>7.3f}{r:>7.3f}{f:>7.3f}{n:>6}")
        abbrev = [c[:5] for c in self.classes]
        lines.append("")
        lines.append("confusion (rows=gold, cols=predicted):")
        lines.append(" " * 24 + "".join(f"{a:>6}" for a in abbrev))
        for g in self.classes:
            row = self.confusion.get(g, {})
            lines.append(f"{g:<24}" + "".join(f"{row.get(p, 0):>6}" for p in self.classes))
        lines.append(f"macro_f1={self.macro_f1:.4f} accuracy={self.accuracy:.4f}")
        return "\n".join(lines)


def evaluate(gold: Sequence[str], pred: Sequence[str], classes: Sequence[str] | None = None) -> Report:
    """Macro-F1 over the classes present in gold or predictions."""
    labels = list(classes or CLASSES)
    confusion: dict[str, dict[str, int]] = {c: {} for c in labels}
    for g, guess in zip(gold, pred, strict=True):
        confusion.setdefault(g, {})
        confusion[g][guess] = confusion[g].get(guess, 0) + 1
    per: dict[str, tuple[float, float, float, int]] = {}
    f1s: list[float] = []
    for c in labels:
        tp = confusion.get(c, {}).get(c, 0)
        n_gold = sum(confusion.get(c, {}).values())
        n_pred = sum(row.get(c, 0) for row in confusion.values())
        p = tp / n_pred if n_pred else 0.0
        r = tp / n_gold if n_gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per[c] = (p, r, f, n_gold)
        if n_gold or n_pred:
            f1s.append(f)
    correct = sum(1 for g, guess in zip(gold, pred, strict=True) if g == guess)
    return Report(
        classes=labels,
        per_class=per,
        confusion=confusion,
        macro_f1=sum(f1s) / len(f1s) if f1s else 0.0,
        accuracy=correct / len(gold) if gold else 0.0,
    )


def evaluate_model(model: LinearModel, examples: Sequence[tuple[str, str]]) -> Report:
    from aftersales.classification.text import normalize

    preds = []
    for _, text in examples:
        probs = model.proba_text(normalize(text))
        preds.append(model.classes[max(range(len(probs)), key=probs.__getitem__)])
    return evaluate([y for y, _ in examples], preds)


def make_version(examples: Iterable[tuple[str, str]], now: float | None = None) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now if now is not None else time.time()))
    return f"{stamp}-{content_hash(examples)}"


def train_artifact(
    examples: Sequence[tuple[str, str]],
    config: TrainConfig | None = None,
    refit_full: bool = True,
    augment: Callable[[Sequence[tuple[str, str]]], list[tuple[str, str]]] | None = None,
) -> LinearModel:
    """Train → measure on the held-out split → calibrate → (optionally) refit on everything.

    The returned model carries ``metrics`` (eval-split macro-F1/accuracy) used by
    the promotion rule; the refit reuses the temperature fitted on held-out data.
    ``augment`` adds copies to the training side only, so the held-out split stays
    the project's own untouched text.
    """
    train, held = split(examples)
    if not held or not train:
        train, held = list(examples), []
    metrics: dict[str, float | int] = {"n_train": len(train), "n_eval": len(held)}
    extra = augment(train) if augment is not None else []
    if augment is not None:
        metrics["n_augmented"] = len(extra)
    model = train_model(train, CLASSES, config, calibration=held, extra=extra)
    if held:
        rep = evaluate_model(model, held)
        metrics.update(eval_macro_f1=round(rep.macro_f1, 4), eval_accuracy=round(rep.accuracy, 4))
    if refit_full and held:
        temperature = model.temperature
        everything = list(examples)
        model = train_model(everything, CLASSES, config, extra=augment(everything) if augment else ())
        model.temperature = temperature
    model.metrics = metrics
    model.version = make_version(examples)
    return model


def should_promote(candidate: dict[str, float], current: dict[str, float] | None, tolerance: float = 0.0) -> bool:
    """Promote a new model only if its eval macro-F1 is not worse than the current one's."""
    if not current or "eval_macro_f1" not in current:
        return True
    if "eval_macro_f1" not in candidate:
        return False
    return float(candidate["eval_macro_f1"]) + tolerance >= float(current["eval_macro_f1"])
