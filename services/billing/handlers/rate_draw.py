"""The yearly rate verification draw and its record (BILL-10)."""

from __future__ import annotations

from shared.contract.billing import RateDraw, RateDrawReply, RateDrawRequest, RateDrawsRequest
from shared.service import ServiceRuntime

from .. import ledger
from ..rate_checks import draw_for_year


def register(rt: ServiceRuntime) -> None:
    @rt.serve(RateDrawRequest.subject, RateDrawRequest)
    async def draw(request: RateDrawRequest, _subject: str) -> RateDrawReply:
        """Draw the year's providers for rate verification, reproducibly, once."""
        async with rt.transaction() as tx:
            draws = await draw_for_year(
                tx, request.year, request.seed, request.operator_id, rt.clock.now()
            )
        return RateDrawReply(draws=[RateDraw.model_validate(d) for d in draws])

    @rt.serve(RateDrawsRequest.subject, RateDrawsRequest)
    async def history(request: RateDrawsRequest, _subject: str) -> RateDrawReply:
        """The draws recorded, for one year or all."""
        async with rt.engine.connect() as conn:
            rows = await ledger.rate_draw_history(conn, request.year)
        return RateDrawReply(draws=[RateDraw.model_validate(dict(r)) for r in rows])
