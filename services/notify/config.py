"""Notify's own settings, from the environment (architecture rule 8).

The mail server itself is `SMTP_HOST` / `SMTP_PORT` of the shared settings; with
no host, mail is written as `.eml` files under the data folder.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.notify.domain.plans import Site
from services.notify.domain.retry import RetryPolicy


class NotifySettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    public_url: str = Field("http://127.0.0.1:8080", validation_alias="CCATS_PUBLIC_URL")
    """Where people reach the system: links in messages start with it (ID-3)."""
    mail_from: str = Field(
        "Child Care Attendance <no-reply@ccats.localhost>", validation_alias="CCATS_MAIL_FROM"
    )
    default_timezone: str = Field("UTC", validation_alias="CCATS_NOTIFY_TIMEZONE")
    """Zone of times written to an adult whose provider is not known yet."""
    smtp_username: str = Field("", validation_alias="SMTP_USERNAME")
    smtp_password: SecretStr = Field(SecretStr(""), validation_alias="SMTP_PASSWORD")
    smtp_tls: Literal["auto", "starttls", "tls", "none"] = Field(
        "auto", validation_alias="SMTP_TLS"
    )
    """`auto` upgrades with STARTTLS when the server offers it."""
    smtp_timeout_seconds: float = Field(30.0, gt=0, validation_alias="SMTP_TIMEOUT")
    retry_base_seconds: float = Field(30.0, gt=0, validation_alias="CCATS_NOTIFY_RETRY_BASE")
    retry_cap_seconds: float = Field(3600.0, gt=0, validation_alias="CCATS_NOTIFY_RETRY_CAP")
    max_attempts: int = Field(30, ge=1, validation_alias="CCATS_NOTIFY_MAX_ATTEMPTS")
    """With the defaults, tries span about a day before a message is marked failed."""
    concurrent_sends: int = Field(10, ge=1, validation_alias="CCATS_NOTIFY_CONCURRENCY")

    def retry_policy(self) -> RetryPolicy:
        base = timedelta(seconds=self.retry_base_seconds)
        return RetryPolicy(
            base=base,
            cap=max(base, timedelta(seconds=self.retry_cap_seconds)),
            max_attempts=self.max_attempts,
        )

    def site(self) -> Site:
        return Site(public_url=self.public_url, default_timezone=self.default_timezone)
