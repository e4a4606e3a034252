"""Environment validated with pydantic at cold start: a missing variable fails loudly, once."""

from __future__ import annotations

import os
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

T = TypeVar("T", bound="EnvSettings")


class EnvSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    stage: Literal["local", "cloud"] = Field(default="local", alias="AFTERSALES_STAGE")

    @classmethod
    def from_env(cls: type[T]) -> T:
        try:
            return cls.model_validate(dict(os.environ))
        except ValidationError as exc:
            missing = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
            raise RuntimeError(f"{cls.__name__}: invalid or missing environment: {missing}") from exc


class IntakeSettings(EnvSettings):
    intake_queue_url: str = Field(alias="INTAKE_QUEUE_URL", min_length=1)
    webhook_secret_arn: str | None = Field(default=None, alias="WEBHOOK_SECRET_ARN")
    local_webhook_secret: str = Field(default="dev-secret", alias="AFTERSALES_WEBHOOK_SECRET")

    @model_validator(mode="after")
    def _cloud_needs_a_real_secret(self) -> IntakeSettings:
        if self.stage == "cloud" and not self.webhook_secret_arn:
            raise ValueError("WEBHOOK_SECRET_ARN is required when AFTERSALES_STAGE=cloud")
        return self


class TicketStoreSettings(EnvSettings):
    tickets_table: str = Field(alias="TICKETS_TABLE", min_length=1)
    event_bus_name: str = Field(alias="EVENT_BUS_NAME", min_length=1)


class ClassifierSettings(EnvSettings):
    """Where the approved classifier model lives; without a bucket the bundled model serves."""

    model_bucket: str | None = Field(default=None, alias="MODEL_BUCKET")
    model_prefix: str = Field(default="classifier", alias="MODEL_PREFIX")
    model_refresh_s: float = Field(default=300.0, alias="MODEL_REFRESH_SECONDS", ge=0)


class RetrainSettings(ClassifierSettings):
    tickets_table: str = Field(alias="TICKETS_TABLE", min_length=1)
    model_bucket: str = Field(alias="MODEL_BUCKET", min_length=1)
    training_dir: str | None = Field(default=None, alias="AFTERSALES_TRAINING_DIR")
