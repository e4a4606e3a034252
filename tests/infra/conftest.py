"""One synthesis per test session: the CDK app with a placeholder dependency layer (no download)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass(frozen=True)
class Synth:
    app: Any  # aws_cdk.App
    stack: Any  # infra.stack.AftersalesStack
    template: Any  # aws_cdk.assertions.Template
    resources: dict[str, dict[str, Any]]

    def of_type(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == cfn_type}


@pytest.fixture(scope="session")
def synth() -> Iterator[Synth]:
    previous = os.environ.get("AFTERSALES_SKIP_LAYER_BUILD")
    os.environ["AFTERSALES_SKIP_LAYER_BUILD"] = "1"
    from aws_cdk.assertions import Template

    from infra.app import build_app, main_stack

    with tempfile.TemporaryDirectory(prefix="aftersales-infra-test-") as outdir:
        try:
            app = build_app(outdir)
            stack = main_stack(app)
            # Synthesizes once and runs the cdk-nag plugin: raises on any unacknowledged finding.
            template = Template.from_stack(stack)
            yield Synth(app=app, stack=stack, template=template, resources=template.to_json()["Resources"])
        finally:
            if previous is None:
                os.environ.pop("AFTERSALES_SKIP_LAYER_BUILD", None)
            else:
                os.environ["AFTERSALES_SKIP_LAYER_BUILD"] = previous
