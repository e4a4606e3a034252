"""Docker-free Lambda layer builds.

The dependency layer is installed with pip for the Lambda platform (``--platform`` +
``--only-binary``), the way Powertools builds its own end-to-end layers, so ``make synth``
needs neither Docker nor AWS credentials. Rebuilds are skipped while the inputs hash is
unchanged; a file lock keeps parallel test workers from building the same folder twice.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infra.constants import (
    BUILD_DIR,
    DEPENDENCIES_REQUIREMENTS,
    DOMAIN_PACKAGE_DIR,
    FUNCTIONS_DIR,
    LAMBDA_ARCHITECTURE,
    LAMBDA_PYTHON_VERSION,
    LOCK_FILE,
    PIP_PLATFORMS,
    REPO_ROOT,
    RUNTIME_PROVIDED,
    SKIP_LAYER_BUILD_ENV,
)

# Bump when the recipe below changes, so existing builds are redone.
RECIPE_VERSION = "1"
# Packages that publish only an sdist: built into a pure-python wheel first (pip refuses
# sdists with --platform/--only-binary), then installed from build/wheels.
SDIST_ONLY = ("jieba",)

LAYERS_DIR = BUILD_DIR / "layers"
WHEELS_DIR = BUILD_DIR / "wheels"
_PIN = re.compile(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*==\s*([^\s;#]+)")


class LayerBuildError(RuntimeError):
    """The dependency layer could not be built; the message says which step and why."""


def skip_requested() -> bool:
    """Tests set AFTERSALES_SKIP_LAYER_BUILD=1: template shape only, no download."""
    return os.environ.get(SKIP_LAYER_BUILD_ENV, "").strip().lower() in {"1", "true", "yes"}


def read_pins(path: Path = DEPENDENCIES_REQUIREMENTS) -> dict[str, str]:
    """``{normalized name: version}`` of every ``name[extras]==version`` line."""
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            pins[normalize(match.group(1))] = match.group(3)
    return pins


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@contextmanager
def _locked() -> Iterator[None]:
    LAYERS_DIR.mkdir(parents=True, exist_ok=True)
    with (LAYERS_DIR / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _digest(*parts: bytes) -> str:
    sha = hashlib.sha256()
    for part in parts:
        sha.update(hashlib.sha256(part).digest())
    return sha.hexdigest()


def _tree_digest(root: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        sha.update(str(path.relative_to(root)).encode())
        sha.update(hashlib.sha256(path.read_bytes()).digest())
    return sha.hexdigest()


def dependencies_layer(architecture: str = LAMBDA_ARCHITECTURE) -> Path:
    """Folder whose ``python/`` holds the third-party runtime dependencies."""
    if skip_requested():
        placeholder = LAYERS_DIR / "dependencies-placeholder"
        marker = placeholder / "python" / "PLACEHOLDER.txt"
        if not marker.is_file():
            with _locked():
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.write_text(f"{SKIP_LAYER_BUILD_ENV}=1: dependency layer not built (tests only, never deploy).\n")
        return placeholder
    if not DEPENDENCIES_REQUIREMENTS.is_file():
        raise LayerBuildError(f"missing {DEPENDENCIES_REQUIREMENTS}: the dependency layer needs pinned requirements")
    platforms = PIP_PLATFORMS[architecture]
    lock = LOCK_FILE.read_bytes() if LOCK_FILE.is_file() else b""
    stamp_value = _digest(
        RECIPE_VERSION.encode(),
        DEPENDENCIES_REQUIREMENTS.read_bytes(),
        lock,
        LAMBDA_PYTHON_VERSION.encode(),
        " ".join(platforms).encode(),
    )
    target = LAYERS_DIR / "dependencies"
    stamp = LAYERS_DIR / "dependencies.stamp"
    with _locked():
        if stamp.is_file() and stamp.read_text().strip() == stamp_value and (target / "python").is_dir():
            return target
        staging = LAYERS_DIR / "dependencies.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        _build_sdist_wheels()
        command = [
            sys.executable, "-m", "pip", "install",
            "--disable-pip-version-check", "--no-input", "--no-compile", "--quiet",
            *(arg for platform in platforms for arg in ("--platform", platform)),
            "--implementation", "cp",
            "--python-version", LAMBDA_PYTHON_VERSION,
            "--only-binary=:all:",
            "--find-links", str(WHEELS_DIR),
            "--target", str(staging / "python"),
            "-r", str(DEPENDENCIES_REQUIREMENTS),
        ]  # fmt: skip
        if lock:
            command += ["--constraint", str(LOCK_FILE)]
        _run(command, "installing the dependency layer for the Lambda platform")
        _strip(staging / "python")
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
        stamp.write_text(stamp_value + "\n")
    return target


def _build_sdist_wheels() -> None:
    pins = read_pins()
    WHEELS_DIR.mkdir(parents=True, exist_ok=True)
    for name in SDIST_ONLY:
        version = pins.get(normalize(name))
        if version is None:
            continue
        prefix = f"{name.replace('-', '_')}-{version}-"
        if any(p.name.startswith(prefix) for p in WHEELS_DIR.glob("*.whl")):
            continue
        _run(
            [sys.executable, "-m", "pip", "wheel", "--disable-pip-version-check", "--quiet", "--no-deps",
             f"{name}=={version}", "-w", str(WHEELS_DIR)],
            f"building a wheel for {name}=={version} (it publishes only an sdist)",
        )  # fmt: skip


def _run(command: list[str], step: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line for line in (result.stdout + result.stderr).splitlines() if "is ignored:" not in line]
        output = "\n".join(lines[-25:])
        raise LayerBuildError(
            f"Lambda layer build failed while {step}.\n"
            f"Command: {' '.join(command)}\n{output}\n"
            "The first build needs PyPI; later builds reuse build/layers while "
            f"{DEPENDENCIES_REQUIREMENTS} is unchanged. "
            f"Check that every pinned package has a wheel for cp{LAMBDA_PYTHON_VERSION.replace('.', '')} "
            f"{LAMBDA_ARCHITECTURE} (or add it to SDIST_ONLY in infra/bundling.py)."
        )


def _strip(site: Path) -> None:
    """Drop what the runtime already has or never needs: smaller layer, faster cold start."""
    provided = {normalize(n) for n in RUNTIME_PROVIDED}
    for entry in list(site.iterdir()):
        base = entry.name.split("-")[0] if entry.name.endswith(".dist-info") else entry.name
        if normalize(base) in provided or entry.name == "bin":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    for cache in list(site.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)
    for tests in [p for p in site.glob("*/tests") if p.is_dir()] + [p for p in site.glob("*/test") if p.is_dir()]:
        shutil.rmtree(tests, ignore_errors=True)


def domain_layer() -> Path:
    """Folder whose ``python/aftersales`` is a copy of the shared domain package."""
    target = LAYERS_DIR / "domain"
    stamp = LAYERS_DIR / "domain.stamp"
    digest = _tree_digest(DOMAIN_PACKAGE_DIR)
    with _locked():
        if stamp.is_file() and stamp.read_text().strip() == digest and (target / "python" / "aftersales").is_dir():
            return target
        staging = LAYERS_DIR / "domain.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(
            DOMAIN_PACKAGE_DIR,
            staging / "python" / "aftersales",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache"),
        )
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
        stamp.write_text(digest + "\n")
    return target


def function_code(name: str, assets: tuple[str, ...] = ()) -> Path:
    """The function's code folder; with ``assets``, a staged copy that also holds those repo folders."""
    source = FUNCTIONS_DIR / name
    if not assets:
        return source
    target = BUILD_DIR / "functions" / name
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "tests")
    with _locked():
        staging = target.with_name(name + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(source, staging, ignore=ignore)
        for folder in assets:
            origin = REPO_ROOT / folder
            if not origin.is_dir():
                raise FileNotFoundError(f"FunctionSpec {name!r}: asset folder {folder!r} does not exist")
            shutil.copytree(origin, staging / folder, ignore=ignore)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return target
