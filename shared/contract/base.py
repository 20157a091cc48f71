"""Base models shared by every message of the contract."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class ContractModel(BaseModel):
    """A body on the bus: unknown fields are ignored, missing ones refused."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Event(ContractModel):
    """An event: identified by `event_id` (also sent as `Nats-Msg-Id`)."""

    subject: ClassVar[str]

    event_id: UUID = Field(default_factory=uuid4)
    occurred_at: AwareDatetime


def utc_iso(moment: datetime) -> str:
    """RFC 3339 with offset, as the contract writes times."""
    return moment.isoformat()
