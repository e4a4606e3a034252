"""Names and knobs of the cloud deployment, in one place so constructs and tests agree."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS_DIR = REPO_ROOT / "functions"
DOMAIN_PACKAGE_DIR = REPO_ROOT / "layers" / "domain" / "aftersales"
DEPENDENCIES_REQUIREMENTS = REPO_ROOT / "layers" / "dependencies" / "requirements.txt"
LOCK_FILE = REPO_ROOT / "requirements" / "lock.txt"
BUILD_DIR = REPO_ROOT / "build"

SERVICE_NAME = "aftersales"
STACK_ID = "Aftersales"
METRICS_NAMESPACE = "Aftersales"
EVENT_SOURCE = "aftersales.tickets"

# Lambda platform: the dependency layer is built for exactly this runtime + architecture.
LAMBDA_PYTHON_VERSION = "3.13"
LAMBDA_ARCHITECTURE = "arm64"  # "arm64" or "x86_64"; infra/constructs/functions.py maps it
PIP_PLATFORMS: dict[str, tuple[str, ...]] = {
    # Lambda python3.13 runs on Amazon Linux 2023 (glibc 2.34): manylinux2014 and 2_28 wheels both load.
    "arm64": ("manylinux2014_aarch64", "manylinux_2_28_aarch64"),
    "x86_64": ("manylinux2014_x86_64", "manylinux_2_28_x86_64"),
}
# The Lambda runtime ships these (and tests pin boto3 separately); the layer must not shadow them.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
SKIP_LAYER_BUILD_ENV = "AFTERSALES_SKIP_LAYER_BUILD"

# Tags/descriptions that let tests compare the template with TOPOLOGY mechanically.
TAG_FUNCTION = "aftersales:function"
TAG_QUEUE = "aftersales:queue"
TAG_DLQ = "aftersales:dlq"
SCHEDULE_DESCRIPTION_PREFIX = "aftersales:schedule="
RULE_DESCRIPTION_PREFIX = "aftersales:rule="

LOG_RETENTION_DAYS = 30
DLQ_RETENTION_DAYS = 14
API_THROTTLE_RATE = 50  # requests/second, steady state for the whole stage
API_THROTTLE_BURST = 100
CHANNEL_SECRETS_PREFIX = "aftersales/channels"
WEBHOOK_SECRET_NAME = "aftersales/webhook/generic"
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"

#: S3 key prefix of classifier artifacts and their manifest (in the archive bucket)
MODEL_PREFIX = "classifier"
