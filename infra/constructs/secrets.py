"""Secrets Manager: the generic webhook HMAC secret (per-shop channel secrets are created by operators)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.constructs.nag import acknowledge


class Secrets(Construct):
    """Starts with a random ``current`` value so the intake is never deployed with a guessable key."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.webhook = secretsmanager.Secret(
            self,
            "WebhookSecret",
            description='Generic intake HMAC key: JSON {"current": "...", "previous": "..."} (previous = rotation)',
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template='{"previous": ""}',
                generate_string_key="current",
                exclude_punctuation=True,
                password_length=48,
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.webhook,
            "SMG4",
            "The webhook HMAC key is shared out of band with the sending partners; rotation is a coordinated "
            "manual change (current/previous keys both accepted), see docs/deploy.md.",
        )
