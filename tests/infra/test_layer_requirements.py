"""The dependency layer installs exactly the runtime pins of pyproject.toml (minus what Lambda provides)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from infra import bundling
from infra.constants import DEPENDENCIES_REQUIREMENTS, REPO_ROOT, RUNTIME_PROVIDED

pytestmark = pytest.mark.infra

_REQ = re.compile(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*==\s*([^\s;]+)")


def _pyproject_runtime() -> dict[str, tuple[str, str]]:
    data = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins: dict[str, tuple[str, str]] = {}
    for requirement in data["project"]["dependencies"]:
        match = _REQ.match(requirement)
        assert match, f"pyproject runtime dependency is not pinned with ==: {requirement}"
        pins[bundling.normalize(match.group(1))] = (match.group(2) or "", match.group(3))
    return pins


def _layer_requirements() -> dict[str, tuple[str, str]]:
    pins: dict[str, tuple[str, str]] = {}
    for line in DEPENDENCIES_REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _REQ.match(line)
        assert match, f"layer requirement is not pinned with ==: {line}"
        pins[bundling.normalize(match.group(1))] = (match.group(2) or "", match.group(3))
    return pins


def test_layer_pins_agree_with_pyproject() -> None:
    provided = {bundling.normalize(n) for n in RUNTIME_PROVIDED}
    expected = {name: pin for name, pin in _pyproject_runtime().items() if name not in provided}
    assert _layer_requirements() == expected


def test_layer_never_ships_what_the_runtime_provides() -> None:
    assert not set(_layer_requirements()) & {bundling.normalize(n) for n in RUNTIME_PROVIDED}


def test_read_pins_matches_the_requirements_file() -> None:
    assert bundling.read_pins() == {name: version for name, (_, version) in _layer_requirements().items()}


def test_strip_removes_runtime_packages_caches_and_tests(tmp_path: Path) -> None:
    site = tmp_path / "python"
    for rel in (
        "boto3/__init__.py",
        "boto3-1.0.dist-info/METADATA",
        "botocore/__init__.py",
        "s3transfer/__init__.py",
        "bin/jp.py",
        "pydantic/__init__.py",
        "pydantic/__pycache__/x.cpython-311.pyc",
        "pydantic-2.0.dist-info/METADATA",
        "somepkg/tests/test_x.py",
    ):
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text("")
    bundling._strip(site)
    left = {str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()}
    assert left == {"pydantic/__init__.py", "pydantic-2.0.dist-info/METADATA"}


def test_skip_builds_a_placeholder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFTERSALES_SKIP_LAYER_BUILD", "1")
    placeholder = bundling.dependencies_layer()
    assert (placeholder / "python" / "PLACEHOLDER.txt").is_file()
    assert placeholder.name == "dependencies-placeholder"
