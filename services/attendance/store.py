"""The attendance schema. Authorizations here are attendance's own read model,
kept from `AuthorizationChanged` events (architecture rule 1)."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Index, Integer, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.contract.events import AuthorizationChanged
from shared.db import service_metadata
from shared.inbox import inbox_table
from shared.outbox import outbox_table

SCHEMA = "attendance"
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
    "ix_authorizations_child_provider",
    authorizations.c.child_id,
    authorizations.c.provider_id,
    authorizations.c.start_date,
)


async def keep_authorization(conn: AsyncConnection, event: AuthorizationChanged) -> bool:
    """Hold the newest announced state; an older or repeated version changes nothing."""
    values = {
        "authorization_id": event.authorization_id,
        "version": event.version,
        "case_id": event.case_id,
        "child_id": event.child.child_id,
        "provider_id": event.provider_id,
        "start_date": event.start_date,
        "end_date": event.end_date,
        "status": event.status,
        "state": event.model_dump(
            mode="json", by_alias=True, exclude={"event_id", "occurred_at", "changes"}
        ),
    }
    stmt = insert(authorizations).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[authorizations.c.authorization_id],
        set_={**{k: stmt.excluded[k] for k in values}, "updated_at": func.now()},
        where=authorizations.c.version < stmt.excluded.version,
    ).returning(authorizations.c.authorization_id)
    return (await conn.execute(stmt)).first() is not None
