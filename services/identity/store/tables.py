"""The identity schema's tables: adults and their secrets (hashed), identity's own
copies of cases, authorizations and providers, devices, delegates, operators,
and the journal of who did what."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import service_metadata
from shared.inbox import inbox_table
from shared.outbox import outbox_table

SCHEMA = "identity"
metadata: MetaData = service_metadata(SCHEMA)
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)


def _when(name: str, *, nullable: bool = True) -> Column:
    return Column(name, DateTime(timezone=True), nullable=nullable)


# --- adults and their secrets (ID-1..ID-4, ID-9) ---------------------------------

adults = Table(
    "adults",
    metadata,
    Column("person_id", Text, primary_key=True),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("email", Text),
    Column("phone", Text, comment="digits only, without the country code"),
    Column("birth_date", Date),
    Column("language", Text, nullable=False, server_default="en"),
    Column("origin", Text, nullable=False, comment="case | delegate"),
    Column(
        "pin_hash",
        LargeBinary,
        unique=True,
        comment="HMAC-SHA256(pepper, 'pin:' + PIN): unique, so no two adults share a PIN",
    ),
    _when("pin_set_at"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_adults_phone", adults.c.phone)

pin_links = Table(
    "pin_links",
    metadata,
    Column("token_hash", LargeBinary, primary_key=True, comment="HMAC of the link token"),
    Column("person_id", Text, nullable=False),
    _when("issued_at", nullable=False),
    _when("expires_at", nullable=False),
    Column("reminder", Boolean, nullable=False),
    _when("used_at"),
    _when("revoked_at"),
    Column("in_use_refusals", Integer, nullable=False, server_default="0"),
    Column("issued_by", Text, nullable=False),
)
Index("ix_pin_links_person", pin_links.c.person_id, pin_links.c.issued_at)

cards = Table(
    "cards",
    metadata,
    Column("card_hash", LargeBinary, primary_key=True, comment="HMAC of the card number"),
    Column("person_id", Text, nullable=False),
    Column("last4", Text, nullable=False),
    Column("source", Text, nullable=False, comment="state | replacement | secondary"),
    _when("issued_at", nullable=False),
    _when("voided_at"),
    Column("void_reason", Text),
)
Index(
    "ix_cards_one_active_per_person",
    cards.c.person_id,
    unique=True,
    postgresql_where=cards.c.voided_at.is_(None),
)

# --- copies of other services' records -------------------------------------------

cases = Table(
    "cases",
    metadata,
    Column("case_id", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

case_versions = Table(
    "case_versions",
    metadata,
    Column("case_id", Text, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("applied", Boolean, nullable=False),
    Column("state", JSONB, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

case_members = Table(
    "case_members",
    metadata,
    Column("case_id", Text, primary_key=True),
    Column("person_id", Text, primary_key=True),
    Column("role", Text, nullable=False, comment="parent | delegate"),
)
Index("ix_case_members_person", case_members.c.person_id)

authorizations = Table(
    "authorizations",
    metadata,
    Column("authorization_id", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("case_id", Text, nullable=False),
    Column("child_id", Text, nullable=False),
    Column("child_first_name", Text, nullable=False),
    Column("provider_id", Text, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("status", Text, nullable=False),
)
Index("ix_authorizations_case_provider", authorizations.c.case_id, authorizations.c.provider_id)
Index("ix_authorizations_child", authorizations.c.child_id)

providers = Table(
    "providers",
    metadata,
    Column("provider_id", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("program", Text, nullable=False),
    Column("timezone", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("email", Text),
    Column("staff", JSONB, nullable=False),
)

presence = Table(
    "presence",
    metadata,
    Column("provider_id", Text, primary_key=True),
    Column("child_id", Text, primary_key=True),
    Column("record_id", Text, nullable=False),
    Column("direction", Text, nullable=False),
    _when("occurred_at", nullable=False),
    Column("status", Text, nullable=False),
)

# --- kiosks (ID-2, architecture rule 6) ------------------------------------------

devices = Table(
    "devices",
    metadata,
    Column("provider_id", Text, primary_key=True),
    Column("device_id", Text, primary_key=True),
    Column("failures", ARRAY(DateTime(timezone=True)), nullable=False),
    _when("locked_until"),
)

# --- delegates (ID-5) ------------------------------------------------------------

delegate_grants = Table(
    "delegate_grants",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("parent_id", Text, nullable=False),
    Column("delegate_id", Text, nullable=False),
    Column("child_id", Text, nullable=False),
    _when("granted_at", nullable=False),
    _when("revoked_at"),
)
Index("ix_delegate_grants_delegate", delegate_grants.c.delegate_id)
Index("ix_delegate_grants_parent", delegate_grants.c.parent_id)

# --- provider operators (ID-7, ID-8) ---------------------------------------------

operators = Table(
    "operators",
    metadata,
    Column("operator_id", Text, primary_key=True),
    Column("provider_id", Text, nullable=False),
    Column("role", Text, nullable=False, comment="provider_admin | provider_operator"),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("email", Text),
    _when("created_at", nullable=False),
    Column("created_by", Text, nullable=False),
    _when("deactivated_at"),
    Column("deactivated_by", Text),
)
Index("ix_operators_provider", operators.c.provider_id)

registration_codes = Table(
    "registration_codes",
    metadata,
    Column("code_hash", LargeBinary, primary_key=True, comment="HMAC of the code"),
    Column("provider_id", Text, nullable=False),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("email", Text, nullable=False),
    _when("issued_at", nullable=False),
    _when("expires_at", nullable=False),
    Column("issued_by", Text, nullable=False),
    _when("used_at"),
    _when("revoked_at"),
    Column("operator_id", Text),
)
Index(
    "ix_registration_codes_person",
    registration_codes.c.provider_id,
    registration_codes.c.first_name,
    registration_codes.c.last_name,
)

# --- requests handled once, and who did what ------------------------------------

handled_requests = Table(
    "handled_requests",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("action", Text, nullable=False),
    Column("reply", JSONB),
    Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

journal = Table(
    "journal",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    _when("at", nullable=False),
    Column("actor", Text, nullable=False, comment="person, operator, device or `schedule`"),
    Column("action", Text, nullable=False),
    Column("subject", Text, nullable=False, comment="whom or what the action concerned"),
    Column("details", JSONB, nullable=False),
)
Index("ix_journal_subject", journal.c.subject, journal.c.at)
Index("ix_journal_actor", journal.c.actor, journal.c.at)
