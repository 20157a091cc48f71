"""The authorization schema: the current state of each provider, case and
authorization, what this service announced of each authorization, and every
version received (who sent what, when), applied or not (AUTH-1)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import service_metadata
from shared.inbox import inbox_table
from shared.outbox import outbox_table

SCHEMA = "authorization"
metadata = service_metadata(SCHEMA)
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)

providers = Table(
    "providers",
    metadata,
    Column("provider_id", Text, primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("status", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("timezone", Text, nullable=False),
    Column("state", JSONB, nullable=False),
    Column("status_since", DateTime(timezone=True), nullable=False),
    Column("type_changed_at", DateTime(timezone=True)),
    Column("type_changed_sequence", BigInteger),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""Each provider's newest version; when its status began and its type last changed
(AUTH-3 dates the endings it causes from these)."""

cases = Table(
    "cases",
    metadata,
    Column("case_id", Text, primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("state", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""Each case's newest version (its adults)."""

authorizations = Table(
    "authorizations",
    metadata,
    Column("authorization_id", Text, primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("case_id", Text, nullable=False),
    Column("child_id", Text, nullable=False),
    Column("provider_id", Text, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("status", Text, nullable=False),
    Column("state", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("first_sequence", BigInteger),
    Column("ended_on", Date),
    Column("ended_reason", Text),
    Column("ended_provider_id", Text),
    Column("revision", Integer, nullable=False, server_default=text("0")),
    Column("announced", JSONB),
    Column("last_day", Date),
)
"""Each authorization's newest version as the state sent it (`state`, `status`,
dates), where it first appeared in the eligibility stream, the ending its provider
gave it (AUTH-3), and the last state announced (`announced`, `revision`; `NULL`
while it waits for its provider or case)."""
Index(
    "ix_authorizations_provider_period",
    authorizations.c.provider_id,
    authorizations.c.start_date,
    authorizations.c.end_date,
)
Index("ix_authorizations_child", authorizations.c.child_id)
Index("ix_authorizations_case", authorizations.c.case_id)

versions = Table(
    "versions",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("kind", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("event_id", Text),
    Column("source", Text),
    Column("stream_sequence", BigInteger),
    Column("state", JSONB, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""Every push received, once per event id, in arrival order: the record as sent, by
which source, at which place in the eligibility stream, when, and whether it was
applied, a repeat of the version held, or older (AUTH-1). Never updated."""
Index("ix_versions_record", versions.c.kind, versions.c.record_id, versions.c.id)

eligibility_writers = Table(
    "eligibility_writers",
    metadata,
    Column("kind", Text, primary_key=True),
)
"""Never holds a row: each batch of eligibility records locks it in a mode by kind
(`repository.lock_records`), so that batches of one kind run side by side across
replicas while a provider, a case and an authorization that meet in one
announcement are never applied apart."""
