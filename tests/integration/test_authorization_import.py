"""`ccats import` into the running authorization service (AUTH-1): good lines are
published and applied, refused lines are reported with their numbers and reasons,
and loading the same file again changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from nats.aio.client import Client as NatsClient
from sqlalchemy import func, select

from ccats.importer import Refusal, import_file, read_records
from services.authorization import store
from shared.db import async_engine
from shared.settings import Settings
from tests.factories import authorization_record
from tests.integration.test_authorization_records import (
    announced,
    case_record,
    events,
    provider_record,
    received,
)
from tests.running import eventually, running

pytestmark = pytest.mark.integration


def jsonl(path: Path, lines: list[dict | str]) -> Path:
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    )
    return path


def nightly(tmp_path: Path) -> Path:
    return jsonl(
        tmp_path / "nightly.jsonl",
        [
            {"record": "authorization", **authorization_record()},  # before its provider
            {"record": "provider", **provider_record()},
            {"record": "case", **case_record()},
            {
                "record": "authorization",
                **authorization_record(authorization_id="AUTH-BAD", end_date="2020-01-01"),
            },
            "",
            "{this is not json",
            {
                "record": "authorization",
                **authorization_record(authorization_id="AUTH-2", version=4),
            },
        ],
    )


async def counts(settings: Settings) -> tuple[int, int]:
    engine = async_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            pushes = await conn.execute(select(func.count()).select_from(store.versions))
            staged = await conn.execute(select(func.count()).select_from(store.outbox))
            return pushes.scalar_one(), staged.scalar_one()
    finally:
        await engine.dispose()


async def test_a_file_is_imported_once_and_its_refusals_reported(
    nc: NatsClient, settings: Settings, tmp_path: Path
) -> None:  # AUTH-1
    path = nightly(tmp_path)
    async with running(settings, ("authorization",)):
        result = await import_file(settings.nats_url, path)
        assert (result.lines, result.published, result.refused) == (6, 4, 2)
        assert result.report == tmp_path / "nightly.refused.jsonl"
        refused = [json.loads(line) for line in result.report.read_text().splitlines()]
        assert [r["line"] for r in refused] == [4, 6]
        assert (
            refused[0]["id"] == "AUTH-BAD"
            and "end_date is before start_date" in (refused[0]["reason"])
        )
        assert refused[1]["record"] is None and refused[1]["errors"]

        for authorization_id in ("AUTH-1", "AUTH-2"):
            await eventually(lambda a=authorization_id: announced(nc, a))
        answer = await eventually(lambda: received(nc, "AUTH-1", 1))
        assert answer["history"][0]["source"] == "ccats import nightly.jsonl:1"
        before = await counts(settings)

        again = await import_file(settings.nats_url, path)
        assert (again.published, again.already_stored, again.refused) == (4, 4, 2)
        assert await counts(settings) == before  # nothing received twice, nothing announced
        assert len(await events(nc)) == 2


async def test_a_second_load_after_the_duplicate_window_changes_nothing(
    nc: NatsClient, settings: Settings, tmp_path: Path
) -> None:  # AUTH-1: the service's inbox still knows each event id
    path = nightly(tmp_path)
    async with running(settings, ("authorization",)):
        await import_file(settings.nats_url, path)
        await eventually(lambda: announced(nc, "AUTH-2"))
        before = await counts(settings)
        # the same records a day later, past JetStream's duplicate window
        js = nc.jetstream()
        for number, parsed in read_records(path.open("rb"), "jsonl"):
            if not isinstance(parsed, Refusal):
                await js.publish(
                    parsed.subject,
                    parsed.body,
                    headers={"Nats-Msg-Id": f"{parsed.event_id}:later:{number}"},
                )

        async def settled() -> bool:
            info = await nc.jetstream().consumer_info(
                "ELIGIBILITY", "authorization-eligibility-authorization"
            )
            return info.num_pending == 0 and info.num_ack_pending == 0

        await eventually(settled)
        assert await counts(settings) == before


async def test_a_csv_file_is_imported(
    nc: NatsClient, settings: Settings, tmp_path: Path
) -> None:  # the nightly file may come as CSV
    path = tmp_path / "nightly.csv"
    path.write_text(
        "record,provider_id,version,name,program,type,status,timezone,"
        "ages_served.min_months,ages_served.max_months,case_id,adults,authorization_id,"
        "child.child_id,child.first_name,child.last_name,child.birth_date,start_date,"
        "end_date,schedule.kind,care_level\n"
        "provider,CO-1,1,Sunshine,colorado,center,active,America/Denver,0,156,,,,,,,,,,,\n"
        'case,,1,,,,,,,,CASE-1,"[{""person_id"": ""PER-1"", ""first_name"": ""Ana"", '
        '""last_name"": ""Garcia""}]",,,,,,,,,\n'
        "authorization,CO-1,1,,,,active,,,,CASE-1,,AUTH-1,CH-1,Leo,Garcia,2022-05-05,"
        "2026-11-01,2027-04-30,variable,full_time\n"
    )
    async with running(settings, ("authorization",)):
        result = await import_file(settings.nats_url, path, report=tmp_path / "refused.jsonl")
        assert (result.published, result.refused) == (3, 0)
        state = await eventually(lambda: announced(nc, "AUTH-1"))
        assert state["schedule"]["kind"] == "variable"
        assert state["adults"][0]["person_id"] == "PER-1"
        assert (tmp_path / "refused.jsonl").read_text() == ""
