"""CDK entry point: ``python -m infra.app`` synthesizes into cdk.out, offline, checked by cdk-nag.

cdk-nag v3 is a policy-validation plugin (not an Aspect): any unacknowledged finding fails synthesis.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.bundling import LayerBuildError
from infra.constants import REPO_ROOT, SERVICE_NAME, SKIP_LAYER_BUILD_ENV, STACK_ID
from infra.stack import AftersalesStack
from infra.topology import TOPOLOGY, Topology


def build_app(outdir: str = "cdk.out", topology: Topology = TOPOLOGY) -> cdk.App:
    """The app with its one stack and the AwsSolutions checks registered (no synth yet)."""
    # cdk.json context applies to `python -m infra.app` (make synth) too, not only to the cdk CLI.
    app = cdk.App(outdir=outdir, context=_cdk_json_context())
    stack = AftersalesStack(
        app,
        STACK_ID,
        topology=topology,
        description="Serverless after-sales ticket system (intake, triage, agent API)",
    )
    cdk.Tags.of(stack).add("service", SERVICE_NAME)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app


def _cdk_json_context() -> dict[str, Any]:
    path = REPO_ROOT / "cdk.json"
    if not path.is_file():
        return {}
    context: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")).get("context", {})
    return context


def main_stack(app: cdk.App) -> AftersalesStack:
    stack = app.node.find_child(STACK_ID)
    assert isinstance(stack, AftersalesStack)
    return stack


@contextmanager
def _env(name: str, value: str | None) -> Iterator[None]:
    previous = os.environ.get(name)
    if value is not None:
        os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def synth_template(skip_layer_build: bool = True) -> dict[str, Any]:
    """CloudFormation template of the main stack as a dict (for tests comparing wiring with TOPOLOGY).

    By default the dependency layer is a placeholder: the template's shape is the same, only
    the layer asset hash differs, and no download happens.
    """
    outdir = tempfile.mkdtemp(prefix="aftersales-cdk-")
    try:
        with _env(SKIP_LAYER_BUILD_ENV, "1" if skip_layer_build else None):
            assembly = build_app(outdir).synth()
        template: dict[str, Any] = assembly.get_stack_by_name(STACK_ID).template
        return template
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def main() -> None:
    outdir = os.environ.get("CDK_OUTDIR", "cdk.out")
    try:
        build_app(outdir).synth()
    except LayerBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
