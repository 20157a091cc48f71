"""The billing schema: its read models (kept from other services' events,
architecture rule 1) and its own records (month closes, submissions, supplemental
bills, reminders, rate draws, stored reports). Nothing here is ever deleted."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    Numeric,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import service_metadata
from shared.inbox import inbox_table
from shared.outbox import outbox_table

SCHEMA = "billing"
metadata = service_metadata(SCHEMA)
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)


def _now() -> Column:
    return Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now())


# --- read models -------------------------------------------------------------

providers = Table(
    "providers",
    metadata,
    Column("provider_id", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("program", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("timezone", Text, nullable=False),
    Column("min_months", Integer, nullable=False),
    Column("max_months", Integer, nullable=False),
    Column("rates", JSONB, nullable=False),
    Column("paid_holidays", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""Each provider's newest state, from `authorization.provider_changed`."""

authorizations = Table(
    "authorizations",
    metadata,
    Column("authorization_id", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("provider_id", Text, nullable=False),
    Column("child_id", Text, nullable=False),
    Column("case_id", Text, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("status", Text, nullable=False),
    Column("state", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""Each authorization's newest state, from `authorization.changed`."""
Index(
    "ix_authorizations_provider_period",
    authorizations.c.provider_id,
    authorizations.c.start_date,
    authorizations.c.end_date,
)

records = Table(
    "records",
    metadata,
    Column("record_id", Text, primary_key=True),
    Column("provider_id", Text, nullable=False),
    Column("child_id", Text, nullable=False),
    Column("case_id", Text, nullable=False),
    Column("direction", Text, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False),
    Column("channel", Text),
    Column("change", Text),
    Column("replaces", Text),
    Column("live", Boolean, nullable=False),
    Column("provisional", Boolean, nullable=False, server_default="false"),
    Column("deadline", DateTime(timezone=True)),
    _now(),
)
"""Every attendance row announced; `live` is false once a later row replaces it (ATT-5).
`provisional`: written from `CheckOutMissing` alone, until the record itself arrives."""
Index(
    "ix_records_provider_live_time",
    records.c.provider_id,
    records.c.occurred_at,
    postgresql_where=records.c.live,
)

replaced = Table(
    "replaced",
    metadata,
    Column("record_id", Text, primary_key=True),
    Column("by_record_id", Text, nullable=False),
    _now(),
)
"""Rows replaced by a later one, even when the replacement arrived first."""

absences = Table(
    "absences",
    metadata,
    Column("authorization_id", Text, primary_key=True),
    Column("child_id", Text, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("provider_id", Text, nullable=False),
    Column("case_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("counts_as_absence", Boolean, nullable=False),
    _now(),
)
"""Reported absences and Z-days (ATT-7), from `attendance.absence`."""
Index("ix_absences_provider_day", absences.c.provider_id, absences.c.day)

attestations = Table(
    "attestations",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("provider_id", Text, nullable=False),
    Column("child_id", Text, nullable=False),
    Column("month", Text, nullable=False),
    Column("by_role", Text, nullable=False),
    Column("by", Text, nullable=False),
    Column("attested_at", DateTime(timezone=True), nullable=False),
    _now(),
)
"""Monthly record attestations by provider and parent (ATT-9)."""
Index("ix_attestations_provider_month", attestations.c.provider_id, attestations.c.month)

# --- billing's own records -----------------------------------------------------

month_closes = Table(
    "month_closes",
    metadata,
    Column("provider_id", Text, primary_key=True),
    Column("month", Text, primary_key=True),
    Column("submit_by", Date, nullable=False),
    Column("operator_id", Text),
    _now(),
)
"""Months closed per provider (BILL-1): `MonthClosed` was staged once."""

submissions = Table(
    "submissions",
    metadata,
    Column("provider_id", Text, primary_key=True),
    Column("month", Text, primary_key=True),
    Column("child_id", Text, primary_key=True),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("request_event_id", Text, nullable=False),
    Column("operator_id", Text, nullable=False),
    Column("invoice", Numeric(12, 2)),
    Column("lines", JSONB, nullable=False),
    Column("supplemental", JSONB, nullable=False),
)
"""A child's month as submitted, once (BILL-2), with its claim lines as they were."""

submit_requests = Table(
    "submit_requests",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("provider_id", Text, nullable=False),
    Column("month", Text, nullable=False),
    Column("operator_id", Text, nullable=False),
    Column("reply", JSONB, nullable=False),
    _now(),
)
"""Every submission request and its answer: a resent `event_id` gets the first answer."""

supplementals = Table(
    "supplementals",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("provider_id", Text, nullable=False),
    Column("month", Text, nullable=False),
    Column("child_id", Text, nullable=False),
    Column("authorization_id", Text, nullable=False),
    Column("code", Text, nullable=False),
    Column("days", JSONB, nullable=False),
    Column("reason", Text, nullable=False),
    Column("source", Text, nullable=False, comment="a later event's id, or submission:<id>"),
    _now(),
    UniqueConstraint(
        "provider_id",
        "month",
        "child_id",
        "authorization_id",
        "code",
        "source",
        name="uq_supplementals_source",
    ),
)
"""Days sent to supplemental billing after a submission, with the reason (BILL-2..5)."""
Index("ix_supplementals_provider_month", supplementals.c.provider_id, supplementals.c.month)

supplemental_notices = Table(
    "supplemental_notices",
    metadata,
    Column("provider_id", Text, primary_key=True),
    Column("month", Text, primary_key=True),
    Column("child_id", Text, primary_key=True),
    Column("authorization_id", Text, primary_key=True),
    Column("code", Text, primary_key=True),
    _now(),
)
"""`SupplementalBillRequired` staged once per child, authorization, month and code."""

deadline_reminders = Table(
    "deadline_reminders",
    metadata,
    Column("provider_id", Text, primary_key=True),
    Column("month", Text, primary_key=True),
    Column("deadline", Date, nullable=False),
    _now(),
)
"""`SubmissionDeadlineApproaching` staged once per provider and month (NOT-2)."""

rate_draws = Table(
    "rate_draws",
    metadata,
    Column("program", Text, primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("seed", Text, nullable=False),
    Column("fraction", Numeric(5, 4), nullable=False),
    Column("population", JSONB, nullable=False),
    Column("drawn", JSONB, nullable=False),
    Column("operator_id", Text),
    Column("drawn_at", DateTime(timezone=True), nullable=False),
)
"""The yearly rate verification draw (BILL-10): population, seed and result, once a year."""

reports = Table(
    "reports",
    metadata,
    Column("object", Text, primary_key=True),
    Column("bucket", Text, nullable=False),
    Column("provider_id", Text, nullable=False),
    Column("month", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("format", Text, nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", Text, nullable=False),
    _now(),
)
"""Every report stored in the object store (BILL-9)."""
Index("ix_reports_provider_month", reports.c.provider_id, reports.c.month)
