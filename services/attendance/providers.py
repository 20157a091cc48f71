"""A provider as attendance sees it: its pack, its time zone, and whether it may
record attendance now (AUTH-3)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.policy import PolicyPack, load_pack
from shared.policy.model import OnHoldTap

from .store import providers


@dataclass(frozen=True)
class Provider:
    provider_id: str
    program: str
    timezone: str
    status: str

    @property
    def pack(self) -> PolicyPack:
        return load_pack(self.program)

    def admits_attendance(self) -> bool:
        """Whether new attendance is taken, and flagged (True) while on hold.

        A terminated provider takes none; on hold, the pack says whether a tap is
        refused or kept flagged and unpaid until the hold is lifted (AUTH-3).
        """
        if self.status == "terminated":
            raise RequestRefused(
                ErrorCode.provider_not_active, "This provider's contract has ended."
            )
        if self.status == "hold":
            if self.pack.attendance.on_hold_tap is OnHoldTap.refuse:
                raise RequestRefused(ErrorCode.provider_not_active, "This provider is on hold.")
            return True
        return False


async def find_provider(conn: AsyncConnection, provider_id: str) -> Provider | None:
    row = (
        await conn.execute(
            select(
                providers.c.provider_id,
                providers.c.program,
                providers.c.timezone,
                providers.c.status,
            ).where(providers.c.provider_id == provider_id)
        )
    ).first()
    return Provider(row.provider_id, row.program, row.timezone, row.status) if row else None


async def known_provider(conn: AsyncConnection, provider_id: str) -> Provider:
    """The provider, or a refusal: attendance needs its time zone and program."""
    provider = await find_provider(conn, provider_id)
    if provider is None:
        raise RequestRefused(
            ErrorCode.provider_not_active, f"Provider {provider_id} is not known here."
        )
    return provider


async def all_providers(conn: AsyncConnection) -> list[Provider]:
    rows = await conn.execute(
        select(
            providers.c.provider_id, providers.c.program, providers.c.timezone, providers.c.status
        )
    )
    return [Provider(r.provider_id, r.program, r.timezone, r.status) for r in rows]
