"""The single source of truth for what runs where.

Both the CDK app (infra/stack.py) and the local gateway (local/) read ``TOPOLOGY``, so
routes, queues, schedules and event rules can never drift between laptop and cloud.
Each concern declares its fragment in its own module here; this module merges them.
"""

from __future__ import annotations

from infra.topology.classification import CLASSIFICATION
from infra.topology.core import CORE
from infra.topology.intake_marketplaces import INTAKE_MARKETPLACES
from infra.topology.intake_pull import INTAKE_PULL
from infra.topology.intake_wechat import WECHAT
from infra.topology.spec import *  # noqa: F403  (re-export the building blocks)
from infra.topology.spec import Topology, merge

TOPOLOGY: Topology = merge(
    CORE,
    INTAKE_PULL,
    INTAKE_MARKETPLACES,
    WECHAT,
    CLASSIFICATION,
)
