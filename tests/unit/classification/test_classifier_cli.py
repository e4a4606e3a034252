"""CLI contract: ``aftersales classify`` and ``aftersales eval`` output formats, ``train``."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from aftersales.cli import main


def test_classify_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a1\t杯子碎了\na2\t发票怎么开\na3\t\n"))
    assert main(["classify"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for line in lines:
        assert re.fullmatch(r"[^\t]+\t[a-z_]+\t\d\.\d{4}", line)
    assert lines[0].startswith("a1\titem_damaged\t")
    assert lines[1].startswith("a2\tinvoice\t")
    assert lines[2].startswith("a3\tother\t")


def test_eval_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "gold.tsv"
    f.write_text("1\titem_damaged\t杯子碎了\n2\tinvoice\t发票怎么开\n3\trefund\t退款还没到账\n", encoding="utf-8")
    assert main(["eval", str(f)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"macro_f1=\d\.\d{4} accuracy=\d\.\d{4}", out[-1])
    assert "confusion" in "\n".join(out)


def test_train_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "train.tsv"
    rows = [
        "refund\t退款什么时候到账",
        "refund\t钱还没退",
        "invoice\t发票怎么开",
        "invoice\t发票开错了",
        "logistics\t快递还没到",
        "logistics\t物流不动了",
    ] * 4
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    corr = tmp_path / "corr.tsv"
    corr.write_text("t9\tpayment\t付款失败了\n", encoding="utf-8")
    out_dir = tmp_path / "models"
    assert (
        main(["train", "--data", str(data), "--corrections", str(corr), "--out", str(out_dir), "--approve-if-better"])
        == 0
    )
    out = capsys.readouterr().out
    assert "promoted=true" in out
    version = re.search(r"version=(\S+)", out).group(1)  # type: ignore[union-attr]
    assert (out_dir / f"model-{version}.bin").exists()
    assert (out_dir / "manifest.json").exists()
