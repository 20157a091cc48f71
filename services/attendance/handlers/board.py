"""A provider's day (ATT-4) and a record's history (ATT-5), as read requests."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from shared.contract.attendance import (
    BoardAbsence,
    BoardChild,
    BoardMark,
    BoardPair,
    DayBoardReply,
    DayBoardRequest,
    HistoryEntry,
    HistoryReply,
    HistoryRequest,
)
from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.contract.subjects import scope_of
from shared.service import ServiceRuntime

from .. import records
from ..absence_book import absences_on
from ..domain.board import child_day, pair_status
from ..domain.days import end_of_day
from ..domain.pairing import Mark
from ..providers import known_provider


def board_mark(
    mark: Mark | None, by_id: dict[str, records.Record], zone: ZoneInfo
) -> BoardMark | None:
    if mark is None:
        return None
    r = by_id[mark.record_id]
    return BoardMark(
        record_id=r.record_id,
        direction=r.direction,  # type: ignore[arg-type]
        occurred_at=r.occurred_at,
        local_time=r.occurred_at.astimezone(zone).strftime("%H:%M"),
        status=r.status,  # type: ignore[arg-type]
        channel=r.channel,  # type: ignore[arg-type]
        automatic=r.automatic,
        flagged=r.flagged,
    )


def history_entry(r: records.Record) -> HistoryEntry:
    return HistoryEntry(
        record_id=r.record_id,
        replaces=r.replaces,
        direction=r.direction,  # type: ignore[arg-type]
        occurred_at=r.occurred_at,
        status=r.status,  # type: ignore[arg-type]
        channel=r.channel,  # type: ignore[arg-type]
        change=r.change,  # type: ignore[arg-type]
        by=r.by,
        reason=r.reason,
        recorded_at=r.recorded_at,
        device_id=r.device_id,
        person_id=r.person_id,
        operator_id=r.operator_id,
        source=r.source,
    )


def register(rt: ServiceRuntime) -> None:
    @rt.serve(DayBoardRequest.subject, DayBoardRequest)
    async def day_board(request: DayBoardRequest, subject: str) -> dict[str, Any]:
        """Each child of the day: pairs of in and out with their status, and the
        errors (incomplete pair, out of sequence) that block payment (ATT-4)."""
        provider_id = scope_of(subject)
        async with rt.engine.connect() as conn:
            provider = await known_provider(conn, provider_id)
            live = await records.live_on(conn, provider_id, request.date)
            absent = await absences_on(conn, provider_id, request.date)
        zone = ZoneInfo(provider.timezone)
        day_ended = rt.clock.now() >= end_of_day(request.date, provider.timezone)
        by_child: dict[str, list[records.Record]] = defaultdict(list)
        for r in live:
            by_child[r.child_id].append(r)
        by_id = {r.record_id: r for r in live}
        children = []
        for child_id in sorted(set(by_child) | set(absent)):
            rows = by_child.get(child_id, [])
            day = child_day([r.mark for r in rows], day_ended=day_ended)
            children.append(
                BoardChild(
                    child_id=child_id,
                    case_ids=sorted(
                        {r.case_id for r in rows} | {a.case_id for a in absent.get(child_id, [])}
                    ),
                    pairs=[
                        BoardPair(
                            check_in=board_mark(p.check_in, by_id, zone),
                            check_out=board_mark(p.check_out, by_id, zone),
                            status=pair_status(p),  # type: ignore[arg-type]
                            error=p.error.value if p.error else None,
                            minutes=p.minutes,
                        )
                        for p in day.pairs
                    ],
                    errors=[e.value for e in day.errors],
                    absences=[
                        BoardAbsence(
                            kind=a.kind, reason=a.reason, counts_as_absence=a.counts_as_absence
                        )
                        for a in absent.get(child_id, [])
                    ],
                )
            )
        reply = DayBoardReply(
            provider_id=provider_id, date=request.date, day_ended=day_ended, children=children
        )
        return reply.model_dump(mode="json")

    @rt.serve(HistoryRequest.subject, HistoryRequest)
    async def history(request: HistoryRequest, subject: str) -> dict[str, Any]:
        """Every row of a record, oldest first: what it was, who changed it, when, why."""
        provider_id = scope_of(subject)
        async with rt.engine.connect() as conn:
            chain = await records.chain(conn, request.record_id)
        if not chain or chain[0].provider_id != provider_id:
            raise RequestRefused(ErrorCode.not_found, f"No record {request.record_id} here.")
        reply = HistoryReply(
            record_id=chain[0].record_id,
            current=chain[-1].record_id,
            history=[history_entry(r) for r in chain],
        )
        return reply.model_dump(mode="json")
