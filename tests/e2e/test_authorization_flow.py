"""The flow through the contract's subjects: an eligibility authorization is
stored by `authorization` with its version, announced as `AuthorizationChanged`
once its provider and case are known, and kept by `attendance` in its own read
model (AUTH-1)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from nats.aio.client import Client as NatsClient
from sqlalchemy import select

from services.attendance import store as attendance_store
from shared.db import async_engine
from shared.settings import Settings
from tests.factories import as_json, authorization_record
from tests.integration.test_authorization_records import case_record, provider_record, push
from tests.running import RunningSystem, eventually, running

pytestmark = pytest.mark.e2e


@pytest.fixture
async def system(nc: NatsClient, settings: Settings):
    """Every service running, with the provider and the case the state sent first."""
    async with running(settings) as system:
        await push(nc, "provider", provider_record())
        await push(nc, "case", case_record())
        yield system


async def get_authorization(nc: NatsClient, authorization_id: str) -> dict:
    reply = await nc.request(
        "authorization.get", json.dumps({"authorization_id": authorization_id}).encode(), 5
    )
    return json.loads(reply.data)


async def attendance_copy(settings: Settings, authorization_id: str) -> int | None:
    """The version attendance holds in its own read model."""
    engine = async_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            return (
                await conn.execute(
                    select(attendance_store.authorizations.c.version).where(
                        attendance_store.authorizations.c.authorization_id == authorization_id
                    )
                )
            ).scalar()
    finally:
        await engine.dispose()


async def changed_events(nc: NatsClient) -> list[dict]:
    """Every `AuthorizationChanged` on the stream, read by an ephemeral consumer."""
    js = nc.jetstream()
    info = await js.stream_info("AUTHORIZATION")
    if info.state.messages == 0:
        return []
    sub = await js.pull_subscribe("authorization.changed", stream="AUTHORIZATION")
    msgs = await sub.fetch(info.state.messages, timeout=2)
    await sub.unsubscribe()
    return [json.loads(m.data) for m in msgs]


async def test_health_reports_five_services_up(system: RunningSystem, nc: NatsClient) -> None:
    reply = json.loads((await nc.request("ops.health", b"{}", timeout=5)).data)
    assert reply["ok"] is True
    assert set(reply["services"]) == {
        "identity",
        "authorization",
        "attendance",
        "billing",
        "notify",
    }
    assert all(s["status"] == "up" for s in reply["services"].values())


async def test_authorization_is_stored_announced_and_copied(
    system: RunningSystem, nc: NatsClient, settings: Settings
) -> None:  # AUTH-1
    await nc.jetstream().publish("eligibility.authorization", as_json(authorization_record()))

    answer = await eventually(lambda: _ok(get_authorization(nc, "AUTH-1")))
    assert answer["authorization"]["version"] == 1
    assert answer["authorization"]["child"]["child_id"] == "CH-1"
    assert await eventually(lambda: attendance_copy(settings, "AUTH-1")) == 1
    [event] = await changed_events(nc)
    assert event["authorization_id"] == "AUTH-1"
    assert event["status"] == "active"
    assert "end_date" in event["changes"]


async def test_repeated_and_older_versions_change_nothing(
    system: RunningSystem, nc: NatsClient, settings: Settings
) -> None:  # AUTH-1: the latest version wins, nothing is applied twice
    js = nc.jetstream()
    await js.publish(
        "eligibility.authorization", as_json(authorization_record(version=2, end_date="2027-06-30"))
    )
    await js.publish(
        "eligibility.authorization", as_json(authorization_record(version=2, end_date="2027-06-30"))
    )
    await js.publish(
        "eligibility.authorization", as_json(authorization_record(version=1, end_date="2027-01-31"))
    )

    answer = await eventually(lambda: _history_has(nc, "AUTH-1", 3))
    assert answer["authorization"]["version"] == 2
    assert answer["authorization"]["end_date"] == "2027-06-30"
    assert [(h["version"], h["outcome"]) for h in answer["history"]] == [
        (2, "applied"),
        (2, "duplicate"),
        (1, "stale"),
    ]
    assert await eventually(lambda: attendance_copy(settings, "AUTH-1")) == 2
    events = await changed_events(nc)
    assert [e["version"] for e in events] == [2]


async def test_a_newer_version_is_announced_with_what_changed(
    system: RunningSystem, nc: NatsClient
) -> None:  # AUTH-1
    js = nc.jetstream()
    await js.publish("eligibility.authorization", as_json(authorization_record(version=1)))
    await eventually(lambda: _ok(get_authorization(nc, "AUTH-1")))
    await js.publish(
        "eligibility.authorization",
        as_json(authorization_record(version=2, end_date="2026-12-31", status="cancelled")),
    )
    await eventually(lambda: _history_has(nc, "AUTH-1", 2))
    events = await eventually(lambda: _at_least(changed_events(nc), 2))
    # a cancelled authorization covers no day: no last day, no months (AUTH-2, AUTH-4)
    assert events[1]["changes"] == ["end_date", "last_day", "months", "status"]
    assert events[1]["status"] == "cancelled"
    assert events[1]["last_day"] is None and events[1]["months"] == []


async def test_flow_is_one_trace_across_services(
    system: RunningSystem, nc: NatsClient, settings: Settings
) -> None:  # architecture rule 7: W3C context travels in NATS headers
    await nc.jetstream().publish("eligibility.authorization", as_json(authorization_record()))
    await eventually(lambda: attendance_copy(settings, "AUTH-1"))

    def services_by_trace() -> dict[int, set[str]]:
        traces: dict[int, set[str]] = {}
        for span in system.spans.get_finished_spans():
            traces.setdefault(span.context.trace_id, set()).add(
                str(span.resource.attributes["service.name"])
            )
        return traces

    async def flow_trace() -> set[str] | None:
        return next(
            (
                s
                for s in services_by_trace().values()
                if {"ccats-authorization", "ccats-attendance"} <= s
            ),
            None,
        )

    assert await eventually(flow_trace)


async def _ok(answer_coro) -> dict | None:
    answer = await answer_coro
    return answer if answer.get("ok") else None


async def _history_has(nc: NatsClient, authorization_id: str, versions: int) -> dict | None:
    answer = await get_authorization(nc, authorization_id)
    return answer if answer.get("ok") and len(answer["history"]) >= versions else None


async def _at_least(events_coro, count: int) -> list[dict] | None:
    events = await events_coro
    return events if len(events) >= count else None


async def test_a_nightly_file_is_imported_with_the_command(
    system: RunningSystem, nc: NatsClient, settings: Settings, tmp_path: Path
) -> None:  # AUTH-1: `ccats import FILE`, its report, and attendance's copy
    path = tmp_path / "nightly.jsonl"
    lines = [
        {"record": "authorization", **authorization_record(authorization_id="AUTH-N")},
        {
            "record": "authorization",
            **authorization_record(authorization_id="AUTH-X", care_level="always"),
        },
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    env = {**os.environ, "NATS_URL": settings.nats_url, "CCATS_DATA_DIR": str(tmp_path)}

    def run_import() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ccats", "import", str(path), "--quiet"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    done = await asyncio.to_thread(run_import)
    assert done.returncode == 1, done.stderr  # a line was refused
    assert "2 lines: 1 published" in done.stdout and "1 refused" in done.stdout
    [refused] = [
        json.loads(x) for x in (tmp_path / "nightly.refused.jsonl").read_text().splitlines()
    ]
    assert (refused["line"], refused["id"]) == (2, "AUTH-X")
    assert "care_level" in refused["reason"]
    assert await eventually(lambda: attendance_copy(settings, "AUTH-N")) == 1

    again = await asyncio.to_thread(run_import)
    assert "1 published (1 already stored)" in again.stdout  # loading twice changes nothing
