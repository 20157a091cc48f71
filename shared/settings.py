"""Configuration from the environment (architecture rule 8)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything a service or the `ccats` command reads from the environment.

    `nats_url` and `database_url` are empty when the embedded servers are to be
    used; `ccats up` fills them in for the services it starts.
    """

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    nats_url: str = Field("", validation_alias="NATS_URL")
    database_url: str = Field("", validation_alias="DATABASE_URL")
    data_dir: Path = Field(Path(".ccats"), validation_alias="CCATS_DATA_DIR")
    pin_pepper: SecretStr = Field(
        SecretStr("ccats-embedded-development-pepper"), validation_alias="CCATS_PIN_PEPPER"
    )
    smtp_host: str = Field("", validation_alias="SMTP_HOST")
    smtp_port: int = Field(25, validation_alias="SMTP_PORT")
    log_level: str = Field("INFO", validation_alias="CCATS_LOG_LEVEL")
    max_deliver: int = Field(5, ge=1, validation_alias="CCATS_MAX_DELIVER")
    """Deliveries of one event before it goes to the dead-letter subject."""
    ack_wait_seconds: float = Field(30.0, gt=0, validation_alias="CCATS_ACK_WAIT")
    relay_poll_seconds: float = Field(0.5, gt=0, validation_alias="CCATS_RELAY_POLL")
    stream_replicas: int = Field(1, ge=1, le=5, validation_alias="CCATS_STREAM_REPLICAS")
