"""The yearly rate verification draw, recorded once per program and year (BILL-10)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.policy import all_packs
from shared.service import Transaction

from . import ledger
from .domain.rate_draw import draw_providers, is_licensed


async def draw_for_year(
    tx: Transaction, year: int, seed: str, operator_id: str | None, now: datetime
) -> list[dict[str, Any]]:
    """Each program with a verification fraction draws once a year; asking again with
    the same seed answers the recorded draw, with another seed is refused."""
    await tx.conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"rate-draw:{year}"}
    )
    programs = {
        program: pack.billing.rate_verification_fraction
        for program, pack in all_packs().items()
        if pack.billing.rate_verification_fraction is not None
    }
    recorded = {p: await ledger.rate_draw(tx.conn, p, year) for p in programs}
    for program, draw in recorded.items():
        if draw is not None and draw["seed"] != seed:
            raise RequestRefused(
                ErrorCode.rate_draw_exists,
                f"The {year} rate verification draw of {program} was made on "
                f"{draw['drawn_at'].date().isoformat()} with another seed; it is not drawn again.",
            )
    draws = []
    for program, fraction in sorted(programs.items()):
        draw = recorded[program]
        if draw is None:
            population = sorted(
                p["provider_id"]
                for p in await ledger.providers_of_program(tx.conn, program)
                if is_licensed(p["type"]) and p["status"] != "terminated"
            )
            draw = {
                "program": program,
                "year": year,
                "seed": seed,
                "fraction": fraction,
                "population": population,
                "drawn": list(
                    draw_providers(population, fraction, program=program, year=year, seed=seed)
                ),
                "operator_id": operator_id,
                "drawn_at": now,
            }
            await ledger.record_rate_draw(tx.conn, **draw)
        draws.append(dict(draw))
    return draws
