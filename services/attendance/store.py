"""The attendance schema.

Attendance records are append-only: a change is a new row that `replaces` the
old one, with who, when and why (ATT-5); the live view of a day is the rows no
other row replaces. Providers, cases, authorizations and submitted months are
attendance's own read models, kept from events (architecture rule 1).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    Table,
    Text,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import service_metadata
from shared.inbox import inbox_table
from shared.outbox import outbox_table

SCHEMA = "attendance"
metadata = service_metadata(SCHEMA)
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)

# --- read models -------------------------------------------------------------

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
Index("ix_authorizations_provider", authorizations.c.provider_id, authorizations.c.start_date)

providers = Table(
    "providers",
    metadata,
    Column("provider_id", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("program", Text, nullable=False),
    Column("timezone", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

cases = Table(
    "cases",
    metadata,
    Column("case_id", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

case_adults = Table(
    "case_adults",
    metadata,
    Column("case_id", Text, primary_key=True),
    Column("person_id", Text, primary_key=True),
    Column("role", Text, nullable=False),
)
Index("ix_case_adults_person", case_adults.c.person_id)

submitted_months = Table(
    "submitted_months",
    metadata,
    Column("provider_id", Text, primary_key=True),
    Column("child_id", Text, primary_key=True),
    Column("month", Text, primary_key=True),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
)

# --- attendance --------------------------------------------------------------

records = Table(
    "records",
    metadata,
    Column("record_id", Text, primary_key=True),
    Column("origin_id", Text, nullable=False),
    Column("provider_id", Text, nullable=False),
    Column("child_id", Text, nullable=False),
    Column("case_id", Text, nullable=False),
    Column("authorization_id", Text, nullable=False),
    Column("direction", Text, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("local_date", Date, nullable=False),
    Column("channel", Text, nullable=False),
    Column("device_id", Text),
    Column("person_id", Text),
    Column("operator_id", Text),
    Column("source", Text),
    Column("source_key", Text),
    Column("status", Text, nullable=False),
    Column("deadline", DateTime(timezone=True)),
    Column("automatic", Boolean, nullable=False, server_default=false()),
    Column("flagged", Boolean, nullable=False, server_default=false()),
    Column("replaces", Text),
    Column("change", Text),
    Column("by", Text),
    Column("reason", Text),
    Column("event_id", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
Index(
    "uq_records_replaces",
    records.c.replaces,
    unique=True,
    postgresql_where=records.c.replaces.isnot(None),
)
Index("ix_records_provider_day", records.c.provider_id, records.c.local_date)
Index("ix_records_child_day", records.c.child_id, records.c.local_date)
Index("ix_records_origin", records.c.origin_id)
Index(
    "ix_records_pending_deadline",
    records.c.deadline,
    postgresql_where=records.c.status == "pending",
)
Index(
    "uq_records_source_key",
    records.c.provider_id,
    records.c.source_key,
    records.c.direction,
    unique=True,
    postgresql_where=records.c.source_key.isnot(None) & records.c.replaces.is_(None),
)

request_replies = Table(
    "request_replies",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("subject", Text, nullable=False),
    Column("reply", JSONB, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

pending_reminders = Table(
    "pending_reminders",
    metadata,
    Column("origin_id", Text, primary_key=True),
    Column("deadline", DateTime(timezone=True), primary_key=True),
    Column("sent_at", DateTime(timezone=True), nullable=False),
)

day_closures = Table(
    "day_closures",
    metadata,
    Column("provider_id", Text, primary_key=True),
    Column("date", Date, primary_key=True),
    Column("closed_at", DateTime(timezone=True), nullable=False),
    Column("errors", JSONB, nullable=False),
)

# --- absences ----------------------------------------------------------------

absences = Table(
    "absences",
    metadata,
    Column("absence_id", Text, primary_key=True),
    Column("provider_id", Text, nullable=False),
    Column("child_id", Text, nullable=False),
    Column("case_id", Text, nullable=False),
    Column("authorization_id", Text, nullable=False),
    Column("date", Date, nullable=False),
    Column("kind", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("counts_as_absence", Boolean, nullable=False),
    Column("protective_services", Boolean, nullable=False, server_default=false()),
    Column("reported_by", Text, nullable=False),
    Column("event_id", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
Index(
    "uq_absences_child_day_kind",
    absences.c.provider_id,
    absences.c.child_id,
    absences.c.date,
    absences.c.kind,
    unique=True,
)
Index("ix_absences_child_case", absences.c.child_id, absences.c.case_id, absences.c.date)

outages = Table(
    "outages",
    metadata,
    Column("provider_id", Text, primary_key=True),
    Column("date", Date, primary_key=True),
    Column("reason", Text, nullable=False),
    Column("reported_by", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

lost_cards = Table(
    "lost_cards",
    metadata,
    Column("person_id", Text, primary_key=True),
    Column("reported_on", Date, primary_key=True),
    Column("reported_by", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

absence_alerts = Table(
    "absence_alerts",
    metadata,
    Column("child_id", Text, primary_key=True),
    Column("case_id", Text, primary_key=True),
    Column("period_start", Date, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
)

attestations = Table(
    "attestations",
    metadata,
    Column("provider_id", Text, primary_key=True),
    Column("child_id", Text, primary_key=True),
    Column("month", Text, primary_key=True),
    Column("by_role", Text, primary_key=True),
    Column("by", Text, nullable=False),
    Column("attested_at", DateTime(timezone=True), nullable=False),
    Column("event_id", Text),
)
