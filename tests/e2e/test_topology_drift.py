"""The local runtime and the CDK template must wire exactly the same things.

Both are built from TOPOLOGY; this test compares what each actually produced (the synthesized
template vs. what LocalCloud registered and started), so a construct or a local wiring that
silently ignores part of the topology fails here.
"""

from __future__ import annotations

from typing import Any

import pytest

from local.cloud import LocalCloud

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore:No application metrics to publish")]

FUNCTION_TAG = "aftersales:function"
QUEUE_TAG = "aftersales:queue"
DLQ_TAG = "aftersales:dlq"
SCHEDULE_PREFIX = "aftersales:schedule="
RULE_PREFIX = "aftersales:rule="


def _tags(resource: dict[str, Any]) -> dict[str, str]:
    tags = resource.get("Properties", {}).get("Tags") or []
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(t["Key"]): str(t["Value"]) for t in tags if isinstance(t, dict) and "Key" in t}


def template_wiring(template: dict[str, Any]) -> dict[str, set[str]]:
    wiring: dict[str, set[str]] = {k: set() for k in ("functions", "routes", "queues", "dlqs", "schedules", "rules")}
    for resource in template.get("Resources", {}).values():
        kind = resource.get("Type")
        props = resource.get("Properties", {})
        tags = _tags(resource)
        if kind == "AWS::Lambda::Function" and FUNCTION_TAG in tags:
            wiring["functions"].add(tags[FUNCTION_TAG])
        elif kind == "AWS::SQS::Queue":
            if QUEUE_TAG in tags:
                wiring["queues"].add(tags[QUEUE_TAG])
            if DLQ_TAG in tags:
                wiring["dlqs"].add(tags[DLQ_TAG])
        elif kind == "AWS::ApiGatewayV2::Route":
            wiring["routes"].add(str(props["RouteKey"]))
        description = props.get("Description")
        if isinstance(description, str):
            if description.startswith(SCHEDULE_PREFIX):
                wiring["schedules"].add(description.removeprefix(SCHEDULE_PREFIX))
            elif description.startswith(RULE_PREFIX):
                wiring["rules"].add(description.removeprefix(RULE_PREFIX))
    return wiring


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    app = pytest.importorskip("infra.app")
    synth = getattr(app, "synth_template", None)
    if synth is None:
        pytest.skip("infra.app has no synth_template() yet")
    mp = pytest.MonkeyPatch()
    mp.setenv("AFTERSALES_SKIP_LAYER_BUILD", "1")
    try:
        result: dict[str, Any] = synth()
    finally:
        mp.undo()
    return result


def test_local_runtime_and_cdk_template_wire_the_same_topology(
    cloud: LocalCloud, template: dict[str, Any]
) -> None:
    local = cloud.wiring()
    cdk = template_wiring(template)
    cdk_routes = {r for r in cdk["routes"] if r != "$default"}
    assert local["functions"] == cdk["functions"]
    assert local["routes"] == cdk_routes
    assert local["queues"] == cdk["queues"]
    assert local["dlqs"] == cdk["dlqs"]
    assert local["schedules"] == cdk["schedules"]
    assert local["rules"] == cdk["rules"]
