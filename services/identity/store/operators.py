"""Provider operators and the one-time codes administrators register with (ID-7, ID-8)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.registration import Code, Operator
from .tables import operators, registration_codes


def _operator(row) -> Operator:  # type: ignore[no-untyped-def]
    return Operator(row.operator_id, row.provider_id, row.role, row.deactivated_at is None)


def info(row) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """An operator as the contract shows one (`OperatorInfo`)."""
    return {
        "operator_id": row.operator_id,
        "provider_id": row.provider_id,
        "role": row.role,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "active": row.deactivated_at is None,
    }


async def get(conn: AsyncConnection, operator_id: str) -> tuple[Operator, dict[str, Any]] | None:
    row = (
        await conn.execute(select(operators).where(operators.c.operator_id == operator_id))
    ).first()
    return (_operator(row), info(row)) if row else None


async def of_provider(conn: AsyncConnection, provider_id: str) -> list[dict[str, Any]]:
    rows = await conn.execute(
        select(operators)
        .where(operators.c.provider_id == provider_id)
        .order_by(operators.c.last_name, operators.c.first_name, operators.c.operator_id)
    )
    return [info(r) for r in rows]


async def active_admin_named(
    conn: AsyncConnection, provider_id: str, first_name: str, last_name: str
) -> str | None:
    return (
        await conn.execute(
            select(operators.c.operator_id).where(
                operators.c.provider_id == provider_id,
                operators.c.first_name == first_name,
                operators.c.last_name == last_name,
                operators.c.role == "provider_admin",
                operators.c.deactivated_at.is_(None),
            )
        )
    ).scalar()


async def add(
    conn: AsyncConnection,
    *,
    operator_id: str,
    provider_id: str,
    role: str,
    first_name: str,
    last_name: str,
    email: str | None,
    at: datetime,
    created_by: str,
) -> None:
    await conn.execute(
        operators.insert().values(
            operator_id=operator_id,
            provider_id=provider_id,
            role=role,
            first_name=first_name,
            last_name=last_name,
            email=email,
            created_at=at,
            created_by=created_by,
        )
    )


async def deactivate(conn: AsyncConnection, operator_id: str, at: datetime, by: str) -> None:
    await conn.execute(
        update(operators)
        .where(operators.c.operator_id == operator_id, operators.c.deactivated_at.is_(None))
        .values(deactivated_at=at, deactivated_by=by)
    )


# --- registration codes ----------------------------------------------------------


async def add_code(
    conn: AsyncConnection,
    code_hash: bytes,
    *,
    provider_id: str,
    first_name: str,
    last_name: str,
    email: str,
    issued_at: datetime,
    expires_at: datetime,
    issued_by: str,
) -> None:
    """A new code; the staff member's earlier unused codes stop working."""
    await conn.execute(
        update(registration_codes)
        .where(
            registration_codes.c.provider_id == provider_id,
            registration_codes.c.first_name == first_name,
            registration_codes.c.last_name == last_name,
            registration_codes.c.used_at.is_(None),
            registration_codes.c.revoked_at.is_(None),
        )
        .values(revoked_at=issued_at)
    )
    await conn.execute(
        registration_codes.insert().values(
            code_hash=code_hash,
            provider_id=provider_id,
            first_name=first_name,
            last_name=last_name,
            email=email,
            issued_at=issued_at,
            expires_at=expires_at,
            issued_by=issued_by,
        )
    )


async def code(conn: AsyncConnection, code_hash: bytes) -> Code | None:
    """The code, locked for this transaction: it works once, even when two race."""
    row = (
        await conn.execute(
            select(registration_codes)
            .where(registration_codes.c.code_hash == code_hash)
            .with_for_update()
        )
    ).first()
    if row is None:
        return None
    return Code(
        row.provider_id,
        row.first_name,
        row.last_name,
        row.expires_at,
        row.used_at,
        row.revoked_at,
    )


async def use_code(conn: AsyncConnection, code_hash: bytes, at: datetime, operator_id: str) -> None:
    await conn.execute(
        update(registration_codes)
        .where(registration_codes.c.code_hash == code_hash)
        .values(used_at=at, operator_id=operator_id)
    )
