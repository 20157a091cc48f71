"""The notify schema: its read model of contacts, the messages it decided, the
causes waiting for a contact, and its outbox and inbox.

Notify reads no other service's tables (architecture rule 1): adults come from
`eligibility.case`, providers from `authorization.provider_changed`, children's
names and their cases' providers from `authorization.changed`.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import service_metadata
from shared.inbox import inbox_table
from shared.outbox import outbox_table

SCHEMA = "notify"
metadata = service_metadata(SCHEMA)
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)

# --- contacts (read model) -------------------------------------------------------

adults = Table(
    "adults",
    metadata,
    Column("person_id", Text, primary_key=True),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("email", Text),
    Column("phone", Text),
    Column("language", Text, nullable=False),
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

providers = Table(
    "providers",
    metadata,
    Column("provider_id", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("program", Text, nullable=False),
    Column("timezone", Text, nullable=False),
    Column("email", Text),
    Column("staff", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

children = Table(
    "children",
    metadata,
    Column("child_id", Text, primary_key=True),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
)

case_providers = Table(
    "case_providers",
    metadata,
    Column("case_id", Text, primary_key=True),
    Column("provider_id", Text, primary_key=True),
)

# --- messages ----------------------------------------------------------------------

MESSAGE_STATUSES = ("queued", "sent", "failed", "no_address")
"""`queued` waits for its next try; `no_address` waits for the contact to gain an
e-mail or a phone; `sent` and `failed` are final (NOT-3)."""

messages = Table(
    "messages",
    metadata,
    Column("notification_id", Text, primary_key=True),
    Column("cause_event_id", Text, nullable=False),
    Column("cause_subject", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("recipient_type", Text, nullable=False),
    Column("recipient_id", Text, nullable=False),
    Column("channel", Text),
    Column("address", Text),
    Column("display_name", Text),
    Column("language", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body_text", Text),
    Column("body_html", Text),
    Column("sms_text", Text),
    Column("secret", Boolean, nullable=False),
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("last_attempt_at", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("traceparent", Text),
    Column("tracestate", Text),
    Column("sent_at", DateTime(timezone=True)),
    Column("failed_at", DateTime(timezone=True)),
    UniqueConstraint("cause_event_id", "recipient_type", "recipient_id", "kind"),
    CheckConstraint("status IN ('queued', 'sent', 'failed', 'no_address')", name="known_status"),
)
Index(
    "ix_messages_due",
    messages.c.next_attempt_at,
    postgresql_where=messages.c.status == "queued",
)
Index(
    "ix_messages_recipient",
    messages.c.recipient_type,
    messages.c.recipient_id,
    messages.c.created_at,
)

# --- causes waiting for a contact ---------------------------------------------------

held_causes = Table(
    "held_causes",
    metadata,
    Column("cause_event_id", Text, primary_key=True),
    Column("subject", Text, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("waiting_for", Text, nullable=False),
    Column("waiting_id", Text, nullable=False),
    Column("held_at", DateTime(timezone=True), nullable=False),
)
Index("ix_held_causes_waiting", held_causes.c.waiting_for, held_causes.c.waiting_id)
