"""Adults: each once, whatever cases they are on (ID-4), with their PIN's keyed hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, literal_column, select, union, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.people import Person
from .tables import adults, authorizations, case_members, delegate_grants, providers


@dataclass(frozen=True)
class Contact:
    """Who to write to, and how: what `PinSetLinkIssued` carries to notify."""

    person_id: str
    first_name: str
    email: str | None
    phone: str | None
    language: str
    pin_set: bool


def _contact(row) -> Contact:  # type: ignore[no-untyped-def]
    return Contact(
        row.person_id, row.first_name, row.email, row.phone, row.language, row.pin_hash is not None
    )


async def contact(conn: AsyncConnection, person_id: str) -> Contact | None:
    row = (await conn.execute(select(adults).where(adults.c.person_id == person_id))).first()
    return _contact(row) if row else None


async def save_from_case(
    conn: AsyncConnection,
    *,
    person_id: str,
    first_name: str,
    last_name: str,
    email: str | None,
    phone: str | None,
    birth_date: date | None,
    language: str,
) -> bool:
    """Create the adult, or bring their details to the newest case; True when new
    (`xmax = 0`: the row was inserted, not updated).

    The PIN is never touched: it survives county moves and a case closing and
    reopening (ID-4)."""
    values = {
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "phone": phone,
        "birth_date": birth_date,
        "language": language,
    }
    stmt = insert(adults).values(person_id=person_id, origin="case", **values)
    row = (
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[adults.c.person_id],
                set_={**{k: stmt.excluded[k] for k in values}, "updated_at": func.now()},
            ).returning(literal_column("xmax = 0"))
        )
    ).scalar()
    return bool(row)


async def create_delegate(
    conn: AsyncConnection,
    *,
    person_id: str,
    first_name: str,
    last_name: str,
    email: str | None,
    phone: str | None,
    birth_date: date,
    language: str,
) -> None:
    await conn.execute(
        adults.insert().values(
            person_id=person_id,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            birth_date=birth_date,
            language=language,
            origin="delegate",
        )
    )


async def people_named(conn: AsyncConnection, first_name: str, last_name: str) -> list[Person]:
    """Adults with these names, compared as people read them."""
    rows = await conn.execute(
        select(adults).where(
            func.lower(func.btrim(adults.c.first_name)) == first_name.strip().lower(),
            func.lower(func.btrim(adults.c.last_name)) == last_name.strip().lower(),
        )
    )
    return [
        Person(r.person_id, r.first_name, r.last_name, r.birth_date, r.email, r.phone) for r in rows
    ]


async def phone_holders(conn: AsyncConnection, phone: str) -> set[str]:
    rows = await conn.execute(select(adults.c.person_id).where(adults.c.phone == phone))
    return {r.person_id for r in rows}


async def set_pin(conn: AsyncConnection, person_id: str, pin_hash: bytes, at: datetime) -> bool:
    """Store the PIN's keyed hash; False when another adult holds that PIN (ID-2).

    The unique column decides, so two adults choosing the same PIN at the same
    moment cannot both get it. A savepoint keeps the caller's transaction usable.
    """
    try:
        async with conn.begin_nested():
            await conn.execute(
                update(adults)
                .where(adults.c.person_id == person_id)
                .values(pin_hash=pin_hash, pin_set_at=at, updated_at=func.now())
            )
    except IntegrityError:
        return False
    return True


async def pin_holder(conn: AsyncConnection, pin_hash: bytes) -> str | None:
    return (
        await conn.execute(select(adults.c.person_id).where(adults.c.pin_hash == pin_hash))
    ).scalar()


async def programs_of(conn: AsyncConnection, person_id: str) -> set[str]:
    """Programs of the providers where the adult may sign a child: through their cases,
    or as a delegate (the packs that speak for them)."""
    own_cases = select(case_members.c.case_id).where(case_members.c.person_id == person_id)
    granted = (
        select(case_members.c.case_id)
        .join(delegate_grants, delegate_grants.c.parent_id == case_members.c.person_id)
        .where(delegate_grants.c.delegate_id == person_id, delegate_grants.c.revoked_at.is_(None))
    )
    rows = await conn.execute(
        select(providers.c.program)
        .distinct()
        .join(authorizations, authorizations.c.provider_id == providers.c.provider_id)
        .where(authorizations.c.case_id.in_(union(own_cases, granted).scalar_subquery()))
    )
    return {r.program for r in rows}
