"""Lambda functions: one per FunctionSpec, each with its own role built only from its ``Access`` tuple."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack, Tags
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.bundling import function_code
from infra.constants import (
    CHANNEL_SECRETS_PREFIX,
    FUNCTIONS_DIR,
    LAMBDA_ARCHITECTURE,
    METRICS_NAMESPACE,
    MODEL_PREFIX,
    SERVICE_NAME,
    TAG_FUNCTION,
)
from infra.constructs.nag import acknowledge
from infra.topology import (
    ENV_ARCHIVE_BUCKET,
    ENV_CHANNEL_SECRETS_PREFIX,
    ENV_EVENT_BUS,
    ENV_IDEMPOTENCY_TABLE,
    ENV_INTAKE_QUEUE_URL,
    ENV_MODEL_BUCKET,
    ENV_MODEL_PREFIX,
    ENV_TICKETS_TABLE,
    ENV_WEBHOOK_SECRET_ARN,
    Access,
    FunctionSpec,
)

ARCHITECTURES = {"arm64": lambda_.Architecture.ARM_64, "x86_64": lambda_.Architecture.X86_64}
RUNTIME = lambda_.Runtime.PYTHON_3_13
LOG_RETENTION = logs.RetentionDays.ONE_MONTH  # = LOG_RETENTION_DAYS, asserted by tests/infra


@dataclass(frozen=True)
class Resources:
    """What an ``Access`` can point at; the stack fills it in."""

    tickets: dynamodb.Table
    ticket_index_names: tuple[str, ...]
    idempotency: dynamodb.Table
    intake_queue: sqs.IQueue
    bus: events.IEventBus
    webhook_secret: secretsmanager.ISecret
    archive: s3.IBucket


# An Access yields IAM statements and the environment the adapters need to use them.
Grant = Callable[[Resources, Stack], tuple[list[iam.PolicyStatement], dict[str, str]]]


def _tickets_read(r: Resources, _: Stack) -> tuple[list[iam.PolicyStatement], dict[str, str]]:
    arns = [r.tickets.table_arn] + [f"{r.tickets.table_arn}/index/{name}" for name in r.ticket_index_names]
    statement = iam.PolicyStatement(actions=["dynamodb:GetItem", "dynamodb:Query"], resources=arns)
    return [statement], {ENV_TICKETS_TABLE: r.tickets.table_name}


def _tickets_write(r: Resources, _: Stack) -> tuple[list[iam.PolicyStatement], dict[str, str]]:
    statement = iam.PolicyStatement(
        actions=["dynamodb:PutItem", "dynamodb:UpdateItem"], resources=[r.tickets.table_arn]
    )
    return [statement], {ENV_TICKETS_TABLE: r.tickets.table_name}


def _idempotency(r: Resources, _: Stack) -> tuple[list[iam.PolicyStatement], dict[str, str]]:
    actions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    statement = iam.PolicyStatement(actions=actions, resources=[r.idempotency.table_arn])
    return [statement], {ENV_IDEMPOTENCY_TABLE: r.idempotency.table_name}


def _intake_send(r: Resources, _: Stack) -> tuple[list[iam.PolicyStatement], dict[str, str]]:
    statement = iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[r.intake_queue.queue_arn])
    return [statement], {ENV_INTAKE_QUEUE_URL: r.intake_queue.queue_url}


def _events_put(r: Resources, _: Stack) -> tuple[list[iam.PolicyStatement], dict[str, str]]:
    statement = iam.PolicyStatement(actions=["events:PutEvents"], resources=[r.bus.event_bus_arn])
    return [statement], {ENV_EVENT_BUS: r.bus.event_bus_name}


def _webhook_secret(r: Resources, _: Stack) -> tuple[list[iam.PolicyStatement], dict[str, str]]:
    statement = iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[r.webhook_secret.secret_arn])
    return [statement], {ENV_WEBHOOK_SECRET_ARN: r.webhook_secret.secret_arn}


def channel_secrets_arn(stack: Stack) -> str:
    """Per-shop secrets live under one name prefix; Secrets Manager appends a random suffix to each ARN."""
    return stack.format_arn(
        service="secretsmanager",
        resource="secret",
        resource_name=f"{CHANNEL_SECRETS_PREFIX}/*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def _channel_secrets(_: Resources, stack: Stack) -> tuple[list[iam.PolicyStatement], dict[str, str]]:
    statement = iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[channel_secrets_arn(stack)])
    return [statement], {ENV_CHANNEL_SECRETS_PREFIX: CHANNEL_SECRETS_PREFIX}


def _archive_write(r: Resources, _: Stack) -> tuple[list[iam.PolicyStatement], dict[str, str]]:
    statement = iam.PolicyStatement(actions=["s3:PutObject"], resources=[r.archive.arn_for_objects("*")])
    return [statement], {ENV_ARCHIVE_BUCKET: r.archive.bucket_name}


def _models_read(r: Resources, _: Stack) -> tuple[list[iam.PolicyStatement], dict[str, str]]:
    statement = iam.PolicyStatement(
        actions=["s3:GetObject"], resources=[r.archive.arn_for_objects(f"{MODEL_PREFIX}/*")]
    )
    return [statement], {ENV_MODEL_BUCKET: r.archive.bucket_name, ENV_MODEL_PREFIX: MODEL_PREFIX}


def _models_write(r: Resources, _: Stack) -> tuple[list[iam.PolicyStatement], dict[str, str]]:
    statement = iam.PolicyStatement(
        actions=["s3:GetObject", "s3:PutObject"], resources=[r.archive.arn_for_objects(f"{MODEL_PREFIX}/*")]
    )
    return [statement], {ENV_MODEL_BUCKET: r.archive.bucket_name, ENV_MODEL_PREFIX: MODEL_PREFIX}


# Every Access member must appear here; tests/infra fails when one is added without a grant.
GRANTS: dict[Access, Grant] = {
    Access.TICKETS_READ: _tickets_read,
    Access.TICKETS_WRITE: _tickets_write,
    Access.INTAKE_SEND: _intake_send,
    Access.EVENTS_PUT: _events_put,
    Access.WEBHOOK_SECRET_READ: _webhook_secret,
    Access.IDEMPOTENCY: _idempotency,
    Access.CHANNEL_SECRETS_READ: _channel_secrets,
    Access.ARCHIVE_WRITE: _archive_write,
    Access.MODELS_READ: _models_read,
    Access.MODELS_WRITE: _models_write,
}


class Functions(Construct):
    """``functions[name]`` by FunctionSpec name; ``roles[name]`` is the function's only role."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        specs: tuple[FunctionSpec, ...],
        layers: list[lambda_.ILayerVersion],
        resources: Resources,
    ) -> None:
        super().__init__(scope, construct_id)
        self.functions: dict[str, lambda_.Function] = {}
        self.roles: dict[str, iam.Role] = {}
        self.log_groups: dict[str, logs.LogGroup] = {}
        stack = Stack.of(self)
        for spec in specs:
            self._add(spec, layers, resources, stack)

    def _add(self, spec: FunctionSpec, layers: list[lambda_.ILayerVersion], r: Resources, stack: Stack) -> None:
        code_dir = FUNCTIONS_DIR / spec.name
        if not (code_dir / "handler.py").is_file():
            raise FileNotFoundError(f"FunctionSpec {spec.name!r}: {code_dir}/handler.py does not exist")
        log_group = logs.LogGroup(
            self,
            f"{spec.name}-logs",
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.DESTROY,
        )
        role = iam.Role(
            self,
            f"{spec.name}-role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"aftersales {spec.name}: {', '.join(a.value for a in spec.access) or 'no data access'}",
        )
        # Explicit log permissions on the function's own log group instead of AWSLambdaBasicExecutionRole.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group.log_group_arn]
            )
        )
        environment = {
            "AFTERSALES_STAGE": "cloud",
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }
        for access in spec.access:
            if access not in GRANTS:
                raise KeyError(f"{spec.name}: no IAM grant for {access!r}; add one to GRANTS in {__name__}")
            statements, env = GRANTS[access](r, stack)
            for statement in statements:
                role.add_to_policy(statement)
            environment.update(env)
        function = lambda_.Function(
            self,
            spec.name,
            description=spec.description[:256],
            runtime=RUNTIME,
            architecture=ARCHITECTURES[LAMBDA_ARCHITECTURE],
            handler="handler.lambda_handler",
            code=lambda_.Code.from_asset(
                str(function_code(spec.name, spec.assets)), exclude=["__pycache__", "*.pyc", "tests"]
            ),
            layers=layers,
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_s),
            reserved_concurrent_executions=spec.reserved_concurrency,
            environment=environment,
            log_group=log_group,
            tracing=lambda_.Tracing.ACTIVE,
            role=role,
        )
        Tags.of(function).add(TAG_FUNCTION, spec.name)
        acknowledge(
            role,
            "IAM5",
            "X-Ray PutTraceSegments/PutTelemetryRecords (added by active tracing) do not support "
            "resource-level permissions.",
            finding="Resource::*",
        )
        acknowledge(
            function,
            "L1",
            "Pinned to python3.13: the dependency layer is built for cp313 wheels (infra/bundling.py); "
            "moving runtime means rebuilding and testing that layer.",
        )
        if Access.CHANNEL_SECRETS_READ in spec.access:
            acknowledge(
                role,
                "IAM5",
                "Channel credentials are one secret per shop under a fixed name prefix; shops are added by "
                "operators at run time, so the ARN can only be a prefix.",
                finding=f"Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:"
                f"{CHANNEL_SECRETS_PREFIX}/*",
            )
        if Access.ARCHIVE_WRITE in spec.access:
            acknowledge(
                role,
                "IAM5",
                "Archive objects are keyed by channel/date/message id at run time; write-only PutObject on the "
                "archive bucket's objects.",
                finding=f"Resource::<{stack.get_logical_id(r.archive.node.default_child)}.Arn>/*",  # type: ignore[arg-type]
            )
        if Access.MODELS_READ in spec.access or Access.MODELS_WRITE in spec.access:
            acknowledge(
                role,
                "IAM5",
                f"Classifier artifacts are named by version at run time; access is limited to the "
                f"'{MODEL_PREFIX}/' prefix of the bucket.",
                finding=f"Resource::<{stack.get_logical_id(r.archive.node.default_child)}.Arn>/{MODEL_PREFIX}/*",  # type: ignore[arg-type]
            )
        self.functions[spec.name] = function
        self.roles[spec.name] = role
        self.log_groups[spec.name] = log_group
