"""Who is a parent of which child, and the delegates parents added (ID-5)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, union, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import authorizations, case_members, delegate_grants


@dataclass(frozen=True)
class ChildPlace:
    """One authorization of a child: the provider whose rules speak for the child."""

    child_id: str
    provider_id: str
    status: str
    end_date: date


async def children_of_parent(
    conn: AsyncConnection, parent_id: str, child_ids: Iterable[str]
) -> dict[str, list[ChildPlace]]:
    """Of `child_ids`, those on a case where `parent_id` is a parent, with their
    authorizations on any case (a child's providers)."""
    wanted = sorted(set(child_ids))
    mine = (
        select(authorizations.c.child_id)
        .join(case_members, case_members.c.case_id == authorizations.c.case_id)
        .where(
            case_members.c.person_id == parent_id,
            case_members.c.role == "parent",
            authorizations.c.child_id.in_(wanted),
        )
    )
    rows = await conn.execute(
        select(
            authorizations.c.child_id,
            authorizations.c.provider_id,
            authorizations.c.status,
            authorizations.c.end_date,
        ).where(authorizations.c.child_id.in_(mine.scalar_subquery()))
    )
    places: dict[str, list[ChildPlace]] = {}
    for r in rows:
        places.setdefault(r.child_id, []).append(
            ChildPlace(r.child_id, r.provider_id, r.status, r.end_date)
        )
    return places


async def parents_of(conn: AsyncConnection, child_ids: Iterable[str]) -> dict[str, set[str]]:
    """For each child, the adults who are a parent on one of the child's cases."""
    rows = await conn.execute(
        select(authorizations.c.child_id, case_members.c.person_id)
        .distinct()
        .join(authorizations, authorizations.c.case_id == case_members.c.case_id)
        .where(
            case_members.c.role == "parent",
            authorizations.c.child_id.in_(sorted(set(child_ids))),
        )
    )
    parents: dict[str, set[str]] = {}
    for r in rows:
        parents.setdefault(r.child_id, set()).add(r.person_id)
    return parents


async def delegates_of(conn: AsyncConnection, parent_id: str) -> set[str]:
    """The parent's delegates: those they added and still allow, and those the state
    lists as delegates on the parent's cases."""
    added = select(delegate_grants.c.delegate_id.label("person_id")).where(
        delegate_grants.c.parent_id == parent_id, delegate_grants.c.revoked_at.is_(None)
    )
    my_cases = select(case_members.c.case_id).where(
        case_members.c.person_id == parent_id, case_members.c.role == "parent"
    )
    listed = select(case_members.c.person_id).where(
        case_members.c.role == "delegate", case_members.c.case_id.in_(my_cases.scalar_subquery())
    )
    rows = await conn.execute(union(added, listed))
    return {r.person_id for r in rows}


async def grant(
    conn: AsyncConnection,
    parent_id: str,
    delegate_id: str,
    child_ids: Iterable[str],
    at: datetime,
) -> list[str]:
    """Allow the delegate to sign these children; returns those newly allowed."""
    held = await conn.execute(
        select(delegate_grants.c.child_id).where(
            delegate_grants.c.parent_id == parent_id,
            delegate_grants.c.delegate_id == delegate_id,
            delegate_grants.c.revoked_at.is_(None),
        )
    )
    new = sorted(set(child_ids) - {r.child_id for r in held})
    if new:
        await conn.execute(
            delegate_grants.insert().values(
                [
                    {
                        "parent_id": parent_id,
                        "delegate_id": delegate_id,
                        "child_id": c,
                        "granted_at": at,
                    }
                    for c in new
                ]
            )
        )
    return new


async def revoke(conn: AsyncConnection, parent_id: str, delegate_id: str, at: datetime) -> int:
    """End what this parent allowed the delegate; the rows stay, with when."""
    done = await conn.execute(
        update(delegate_grants)
        .where(
            delegate_grants.c.parent_id == parent_id,
            delegate_grants.c.delegate_id == delegate_id,
            delegate_grants.c.revoked_at.is_(None),
        )
        .values(revoked_at=at)
    )
    return done.rowcount or 0
