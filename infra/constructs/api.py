"""HTTP API: every RouteSpec; agent routes behind a Cognito JWT authorizer, public ones verified in code."""

from __future__ import annotations

import json

import jsii
from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constants import API_THROTTLE_BURST, API_THROTTLE_RATE
from infra.constructs.nag import acknowledge
from infra.topology import RouteSpec

AUTH_AGENT = "agent"
AUTH_PUBLIC = "public"

_ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "integrationLatency": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
    "principal": "$context.authorizer.claims.sub",
}


class Api(Construct):
    """Routes are identified by RouteKey ``"METHOD /path"``, exactly as in TOPOLOGY."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        routes: tuple[RouteSpec, ...],
        functions: dict[str, lambda_.Function],
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "Agents",
            self_sign_up_enabled=False,  # operators create agent accounts (docs/deploy.md)
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.client = self.user_pool.add_client(
            "AgentConsole",
            auth_flows=cognito.AuthFlow(user_srp=True),
            generate_secret=False,
            prevent_user_existence_errors=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(1),
        )
        authorizer = authorizers.HttpUserPoolAuthorizer(
            "AgentAuthorizer", self.user_pool, user_pool_clients=[self.client]
        )

        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
        )
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            description="Aftersales intake webhooks and agent API",
            create_default_stage=False,
        )
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=API_THROTTLE_RATE, burst_limit=API_THROTTLE_BURST),
            access_log_settings=_AccessLogs(self.access_logs),
        )

        lambda_integrations: dict[str, integrations.HttpLambdaIntegration] = {}
        self.routes: dict[str, apigwv2.HttpRoute] = {}
        for spec in routes:
            if spec.function not in functions:
                raise ValueError(f"route {spec.method} {spec.path} targets unknown function {spec.function!r}")
            if spec.auth not in (AUTH_AGENT, AUTH_PUBLIC):
                raise ValueError(f"route {spec.method} {spec.path}: unknown auth {spec.auth!r}")
            integration = lambda_integrations.setdefault(
                spec.function,
                integrations.HttpLambdaIntegration(f"{spec.function}-integration", functions[spec.function]),
            )
            route_key = f"{spec.method} {spec.path}"
            route = apigwv2.HttpRoute(
                self,
                f"Route-{spec.method}-{spec.path}",
                http_api=self.http_api,
                route_key=apigwv2.HttpRouteKey.with_(spec.path, apigwv2.HttpMethod(spec.method)),
                integration=integration,
                authorizer=authorizer if spec.auth == AUTH_AGENT else apigwv2.HttpNoneAuthorizer(),
            )
            if spec.auth == AUTH_PUBLIC:
                reason = (
                    f"Public route {route_key}: callers are marketplaces/partners without Cognito identities; "
                    "every request is authenticated in the handler (HMAC signature / platform signature)."
                    if not spec.path.endswith("openapi.json")
                    else f"Public route {route_key}: the OpenAPI document is public by design, no ticket data."
                )
                acknowledge(route, "APIG4", reason)
            self.routes[route_key] = route

    @property
    def url(self) -> str:
        return self.stage.url


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogs:
    """JSON access log lines in the API's log group (IAccessLogSettings is an interface, not a struct)."""

    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(json.dumps(_ACCESS_LOG_FIELDS))
