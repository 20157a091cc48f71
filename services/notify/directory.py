"""Notify's read model of contacts: kept from the events that carry them, and read
back as the `Directory` a decision needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.notify import store
from services.notify.domain.contacts import AdultContact, ProviderContact, StaffContact
from services.notify.domain.plans import ChildName, Directory, Needs, WaitingFor
from shared.contract.eligibility import CaseRecord
from shared.contract.events import AuthorizationChanged, ProviderChanged


async def lock_contact(conn: AsyncConnection, kind: WaitingFor, contact_id: str) -> None:
    """Serialize, until commit, what concerns one contact: its updates, and causes
    found waiting for it. A cause that finds no contact takes this lock and looks
    again, so it cannot miss a contact committed in the meantime (NOT-3)."""
    await conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
        {"key": f"notify:{kind.value}:{contact_id}"},
    )


# --- keeping contacts ----------------------------------------------------------------


async def apply_case(conn: AsyncConnection, record: CaseRecord) -> bool:
    """Make `record` the case's adults if it is newer than what is held (AUTH-1:
    the latest version wins); False when it changes nothing."""
    await lock_contact(conn, WaitingFor.case, record.case_id)
    for person_id in sorted({adult.person_id for adult in record.adults}):
        await lock_contact(conn, WaitingFor.person, person_id)
    held = (
        await conn.execute(
            select(store.cases.c.version).where(store.cases.c.case_id == record.case_id)
        )
    ).scalar()
    if held is not None and held >= record.version:
        return False
    stmt = insert(store.cases).values(case_id=record.case_id, version=record.version)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[store.cases.c.case_id],
            set_={"version": stmt.excluded.version, "updated_at": text("now()")},
        )
    )
    await conn.execute(
        delete(store.case_adults).where(store.case_adults.c.case_id == record.case_id)
    )
    for adult in record.adults:
        values = {
            "person_id": adult.person_id,
            "first_name": adult.first_name,
            "last_name": adult.last_name,
            "email": adult.email,
            "phone": adult.phone,
            "language": adult.language,
        }
        upsert = insert(store.adults).values(**values)
        await conn.execute(
            upsert.on_conflict_do_update(
                index_elements=[store.adults.c.person_id],
                set_={**{k: upsert.excluded[k] for k in values}, "updated_at": text("now()")},
            )
        )
        await conn.execute(
            insert(store.case_adults)
            .values(case_id=record.case_id, person_id=adult.person_id, role=adult.role)
            .on_conflict_do_nothing()
        )
    return True


async def apply_provider(conn: AsyncConnection, event: ProviderChanged) -> bool:
    """Keep the provider's newest version; False when it changes nothing."""
    await lock_contact(conn, WaitingFor.provider, event.provider_id)
    held = (
        await conn.execute(
            select(store.providers.c.version).where(
                store.providers.c.provider_id == event.provider_id
            )
        )
    ).scalar()
    if held is not None and held >= event.version:
        return False
    values = {
        "provider_id": event.provider_id,
        "version": event.version,
        "name": event.name,
        "program": event.program,
        "timezone": event.timezone,
        "email": event.email,
        "staff": [member.model_dump(mode="json") for member in event.staff],
    }
    stmt = insert(store.providers).values(**values)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[store.providers.c.provider_id],
            set_={**{k: stmt.excluded[k] for k in values}, "updated_at": text("now()")},
        )
    )
    return True


async def apply_authorization(conn: AsyncConnection, event: AuthorizationChanged) -> None:
    """The child's name and the case's provider, for words and time zones."""
    child = event.child
    stmt = insert(store.children).values(
        child_id=child.child_id, first_name=child.first_name, last_name=child.last_name
    )
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[store.children.c.child_id],
            set_={"first_name": stmt.excluded.first_name, "last_name": stmt.excluded.last_name},
        )
    )
    await conn.execute(
        insert(store.case_providers)
        .values(case_id=event.case_id, provider_id=event.provider_id)
        .on_conflict_do_nothing()
    )


# --- reading contacts ----------------------------------------------------------------


def _adult(row: Any, role: str = "parent") -> AdultContact:
    return AdultContact(
        person_id=row.person_id,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        phone=row.phone,
        language=row.language,
        role=role,
    )


async def case_adults(conn: AsyncConnection, case_id: str) -> tuple[AdultContact, ...] | None:
    """The adults of a case, or None when the case has not arrived."""
    known = (
        await conn.execute(select(store.cases.c.version).where(store.cases.c.case_id == case_id))
    ).scalar()
    if known is None:
        return None
    a, ca = store.adults, store.case_adults
    rows = await conn.execute(
        select(a, ca.c.role)
        .join(ca, ca.c.person_id == a.c.person_id)
        .where(ca.c.case_id == case_id)
        .order_by(a.c.person_id)
    )
    return tuple(_adult(row, row.role) for row in rows)


async def adult(conn: AsyncConnection, person_id: str) -> AdultContact | None:
    row = (
        await conn.execute(select(store.adults).where(store.adults.c.person_id == person_id))
    ).first()
    return _adult(row) if row else None


async def provider(conn: AsyncConnection, provider_id: str) -> ProviderContact | None:
    row = (
        await conn.execute(
            select(store.providers).where(store.providers.c.provider_id == provider_id)
        )
    ).first()
    if row is None:
        return None
    staff = tuple(
        StaffContact(
            first_name=m["first_name"],
            last_name=m["last_name"],
            email=m.get("email"),
            role=m["role"],
        )
        for m in row.staff
    )
    return ProviderContact(
        provider_id=row.provider_id,
        name=row.name,
        program=row.program,
        timezone=row.timezone,
        email=row.email,
        staff=staff,
    )


async def child_names(conn: AsyncConnection, child_ids: tuple[str, ...]) -> dict[str, ChildName]:
    if not child_ids:
        return {}
    rows = await conn.execute(
        select(store.children).where(store.children.c.child_id.in_(child_ids))
    )
    return {r.child_id: ChildName(r.first_name, r.last_name) for r in rows}


async def timezone_of_cases(conn: AsyncConnection, case_ids: list[str]) -> str | None:
    """The zone of a provider caring for one of these cases, the first by id."""
    if not case_ids:
        return None
    p, cp = store.providers, store.case_providers
    return (
        await conn.execute(
            select(p.c.timezone)
            .join(cp, cp.c.provider_id == p.c.provider_id)
            .where(cp.c.case_id.in_(case_ids))
            .order_by(cp.c.case_id, cp.c.provider_id)
            .limit(1)
        )
    ).scalar()


async def cases_of(conn: AsyncConnection, person_id: str) -> list[str]:
    rows = await conn.execute(
        select(store.case_adults.c.case_id).where(store.case_adults.c.person_id == person_id)
    )
    return [r.case_id for r in rows]


async def load(conn: AsyncConnection, needs: Needs) -> Directory:
    """Everything the read model knows that a decision `needs`."""
    adults = await case_adults(conn, needs.case_id) if needs.case_id else None
    known_provider = await provider(conn, needs.provider_id) if needs.provider_id else None
    known_adult = await adult(conn, needs.person_id) if needs.person_id else None
    case_ids = [needs.case_id] if needs.case_id else []
    if needs.person_id:
        case_ids += await cases_of(conn, needs.person_id)
    return Directory(
        case_adults=adults,
        provider=known_provider,
        adult=known_adult,
        children=await child_names(conn, needs.child_ids),
        timezone=await timezone_of_cases(conn, case_ids),
    )
