"""cdk-nag v3 acknowledgements, always with a specific reason.

cdk-nag v3 dropped ``NagSuppressions``: findings are acknowledged through CDK's native
``Validations.of(construct).acknowledge``. Going through this helper keeps a reason on
every acknowledgement and lets tests list them all.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

NAG_PACK = "AwsSolutions"


def acknowledge(construct: IConstruct, rule: str, reason: str, finding: str | None = None) -> None:
    """Acknowledge ``AwsSolutions-<rule>`` (optionally one ``[finding]``) on ``construct``."""
    if len(reason.strip()) < 20:
        raise ValueError(f"cdk-nag acknowledgement {rule} on {construct.node.path} needs a specific reason")
    rule_id = f"{NAG_PACK}-{rule}" + (f"[{finding}]" if finding else "")
    Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason=reason))
