"""``aftersales classify|eval|train``: bulk classification, evaluation and retraining."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

BATCH = 512


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("classify", help="classify id<TAB>text lines from stdin")
    p.add_argument("--model", help="artifact path (default: configured store or bundled model)")
    p.add_argument("--json", action="store_true", help="emit full JSON results instead of TSV")
    p.set_defaults(func=cmd_classify)

    e = subparsers.add_parser("eval", help="evaluate on id<TAB>category<TAB>text lines")
    e.add_argument("file", help="TSV file")
    e.add_argument("--model", help="artifact path (default: configured store or bundled model)")
    e.set_defaults(func=cmd_eval)

    t = subparsers.add_parser("train", help="retrain the classifier from data/training (+ corrections)")
    t.add_argument("--corrections", help="TSV (category<TAB>text or id<TAB>category<TAB>text) or JSONL file")
    t.add_argument("--data", action="append", help="training TSV (repeatable; default data/training/*.tsv)")
    t.add_argument(
        "--augment",
        metavar="DIR",
        help="augmentation banks (default: data/training/augment; 'none' trains on the examples as they are)",
    )
    t.add_argument("--out", default="models", help="model store directory (default: ./models)")
    t.add_argument("--approve-if-better", action="store_true", help="approve if eval macro-F1 is not worse")
    t.add_argument("--bundle", help="also write the artifact to this path (e.g. the packaged model)")
    t.set_defaults(func=cmd_train)


def _classifier(path: str | None) -> Any:
    from aftersales.classification import Classifier, get_default

    return Classifier.from_artifact(path) if path else get_default()


def cmd_classify(args: argparse.Namespace) -> int:
    clf = _classifier(args.model)
    out = sys.stdout
    buf: list[str] = []
    for n, raw in enumerate(sys.stdin, 1):
        line = raw.rstrip("\r\n")
        ident, sep, text = line.partition("\t")
        if not sep:
            ident, text = str(n), line
        if args.json:
            result = clf.classify(text).to_dict()
            result["id"] = ident
            buf.append(json.dumps(result, ensure_ascii=False))
        else:
            cat, conf = clf.predict(text)
            buf.append(f"{ident}\t{cat.value}\t{conf:.4f}")
        if len(buf) >= BATCH:
            out.write("\n".join(buf) + "\n")
            buf.clear()
    if buf:
        out.write("\n".join(buf) + "\n")
    out.flush()
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from aftersales.classification.training import evaluate

    clf = _classifier(args.model)
    gold: list[str] = []
    pred: list[str] = []
    with open(args.file, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) < 3:
                continue
            gold.append(parts[1])
            pred.append(clf.predict("\t".join(parts[2:]))[0].value)
    print(evaluate(gold, pred).render())
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from aftersales.classification.augment import Augmenter
    from aftersales.classification.corrections import load_corrections
    from aftersales.classification.retrain import retrain
    from aftersales.classification.store import LocalModelStore, artifact_name
    from aftersales.classification.training import default_training_dir, load_augmenter, load_training_set

    base = load_training_set([Path(p) for p in args.data] if args.data else None)
    if not base:
        print("no training data found (data/training/*.tsv)", file=sys.stderr)
        return 2
    corrections = load_corrections(args.corrections) if args.corrections else []
    if args.augment == "none":
        augment = None
    elif args.augment:
        augment = Augmenter.from_dir(args.augment)
    else:
        augment = load_augmenter(default_training_dir())
    outcome = retrain(
        base, corrections, LocalModelStore(args.out), approve_if_better=args.approve_if_better, augment=augment
    )
    if args.bundle:
        Path(args.bundle).write_bytes(outcome.artifact)
    print(f"version={outcome.version}")
    print(f"artifact={Path(args.out) / artifact_name(outcome.version)}")
    print("metrics=" + json.dumps(outcome.metrics, sort_keys=True))
    print(f"promoted={str(outcome.promoted).lower()}")
    return 0
