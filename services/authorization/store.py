"""The authorization schema: current state of each record and every version received."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    Table,
    Text,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.contract.eligibility import AuthorizationRecord
from shared.db import service_metadata
from shared.inbox import inbox_table
from shared.outbox import outbox_table

SCHEMA = "authorization"
metadata = service_metadata(SCHEMA)
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)

authorizations = Table(
    "authorizations",
    metadata,
    Column("authorization_id", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("case_id", Text, nullable=False),
    Column("child_id", Text, nullable=False),
    Column("provider_id", Text, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("status", Text, nullable=False),
    Column("state", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index(
    "ix_authorizations_provider_period",
    authorizations.c.provider_id,
    authorizations.c.start_date,
    authorizations.c.end_date,
)
Index("ix_authorizations_child", authorizations.c.child_id)

authorization_versions = Table(
    "authorization_versions",
    metadata,
    Column("authorization_id", Text, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("event_id", Text),
    Column("applied", Boolean, nullable=False),
    Column("state", JSONB, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


def record_state(record: AuthorizationRecord) -> dict[str, Any]:
    """The record as stored and announced: JSON, without the transport's event id."""
    return record.model_dump(mode="json", by_alias=True, exclude={"event_id"})


async def lock_record(conn: AsyncConnection, kind: str, record_id: str) -> None:
    """Serialize versions of one record across replicas for this transaction."""
    await conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"{kind}:{record_id}"}
    )


async def current_authorization(
    conn: AsyncConnection, authorization_id: str
) -> tuple[int, dict[str, Any]] | None:
    row = (
        await conn.execute(
            select(authorizations.c.version, authorizations.c.state).where(
                authorizations.c.authorization_id == authorization_id
            )
        )
    ).first()
    return (row.version, row.state) if row else None


async def keep_version(
    conn: AsyncConnection,
    authorization_id: str,
    version: int,
    state: dict[str, Any],
    *,
    event_id: str | None,
    applied: bool,
) -> None:
    """History: every version received is kept once, applied or not (AUTH-1)."""
    await conn.execute(
        insert(authorization_versions)
        .values(
            authorization_id=authorization_id,
            version=version,
            event_id=event_id,
            applied=applied,
            state=state,
        )
        .on_conflict_do_nothing()
    )


async def save_authorization(conn: AsyncConnection, record: AuthorizationRecord) -> None:
    """Make `record` the current state of its authorization."""
    values = {
        "authorization_id": record.authorization_id,
        "version": record.version,
        "case_id": record.case_id,
        "child_id": record.child.child_id,
        "provider_id": record.provider_id,
        "start_date": record.start_date,
        "end_date": record.end_date,
        "status": record.status,
        "state": record_state(record),
    }
    stmt = insert(authorizations).values(**values)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[authorizations.c.authorization_id],
            set_={**{k: stmt.excluded[k] for k in values}, "updated_at": func.now()},
        )
    )


async def authorization_history(
    conn: AsyncConnection, authorization_id: str
) -> list[dict[str, Any]]:
    rows = await conn.execute(
        select(authorization_versions)
        .where(authorization_versions.c.authorization_id == authorization_id)
        .order_by(authorization_versions.c.version)
    )
    return [
        {
            "version": r.version,
            "applied": r.applied,
            "received_at": r.received_at.isoformat(),
            "event_id": r.event_id,
        }
        for r in rows
    ]
