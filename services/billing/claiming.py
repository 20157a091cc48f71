"""A provider's month as billing staff see it: read from billing's tables and
computed by the pack's claim method (BILL-9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.attendance.domain.days import local_day
from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.contract.requests import Claim
from shared.policy import PolicyPack, load_pack

from .books import (
    load_attestations,
    load_later_supplementals,
    load_month,
    load_provider,
    load_submissions,
)
from .domain.calendar import submission_deadline
from .domain.values import ProviderTerms
from .domain.view import ClaimView, claim_view
from .heap import without_cycle_collection
from .wire import claim_data


@dataclass(frozen=True)
class MonthClaim:
    provider: ProviderTerms
    pack: PolicyPack
    today: date
    view: ClaimView
    submit_by: date

    @cached_property
    def data(self) -> dict[str, Any]:
        """The contract's `Claim` as JSON-ready data: what `billing.claim.get` sends."""
        return claim_data(self.view, self.submit_by)

    @cached_property
    def claim(self) -> Claim:
        """The same claim as the contract's model (reports read it)."""
        return Claim.model_validate(self.data)


async def known_provider(conn: AsyncConnection, provider_id: str) -> ProviderTerms:
    provider = await load_provider(conn, provider_id)
    if provider is None:
        raise RequestRefused(ErrorCode.not_found, f"No provider {provider_id} is known to billing.")
    return provider


async def month_claim(
    conn: AsyncConnection, provider: ProviderTerms, month: str, now: datetime
) -> MonthClaim:
    """The claim of `month` as of `now`: submitted children as submitted, others now."""
    pack = load_pack(provider.program)
    today = local_day(now, provider.timezone)
    with without_cycle_collection():
        view = claim_view(
            await load_month(conn, provider, month),
            pack,
            today,
            submissions=await load_submissions(conn, provider.provider_id, month),
            later=await load_later_supplementals(conn, provider.provider_id, month),
            attestations=await load_attestations(conn, provider.provider_id, month),
        )
        claim = MonthClaim(provider, pack, today, view, submission_deadline(month, pack))
        claim.data  # noqa: B018 - built here, inside the same stretch
    return claim
