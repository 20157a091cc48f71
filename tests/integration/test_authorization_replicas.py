"""Two replicas of the authorization service sharing a nightly file's records end
where one would (AUTH-1, AUTH-3): batches apply side by side, yet every record
ends at its latest version and every authorization is announced from its
provider's and case's latest state."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from nats.aio.client import Client as NatsClient
from sqlalchemy import func, select

from ccats.importer import import_file
from services.authorization import store
from shared.db import async_engine
from shared.settings import Settings
from tests.factories import authorization_record
from tests.integration.test_authorization_records import case_record, provider_record
from tests.running import eventually, running

pytestmark = pytest.mark.integration

PROVIDERS, CASES, AUTHORIZATIONS = 4, 40, 240
TERMINATED = "CO-3"


def _authorization(n: int, version: int) -> dict[str, Any]:
    return {
        "record": "authorization",
        **authorization_record(
            authorization_id=f"AU-{n}",
            version=version,
            case_id=f"CASE-{n % CASES}",
            provider_id=f"CO-{n % PROVIDERS}",
            child={
                "child_id": f"CH-{n}",
                "first_name": "Leo",
                "last_name": f"Family{n}",
                "birth_date": "2023-03-01",
            },
            end_date="2027-04-30" if version == 1 else f"2027-0{1 + n % 3}-15",
        ),
    }


def _case(n: int, version: int) -> dict[str, Any]:
    adult = case_record()["adults"][0] | {"first_name": f"Ana v{version}"}
    return {"record": "case", **case_record(case_id=f"CASE-{n}", version=version, adults=[adult])}


def _provider(n: int, version: int) -> dict[str, Any]:
    status = "terminated" if version == 2 and f"CO-{n}" == TERMINATED else "active"
    return {
        "record": "provider",
        **provider_record(provider_id=f"CO-{n}", version=version, status=status),
    }


def nightly(path: Path) -> Path:
    """Every record twice (versions 1 and 2), shuffled: many records arrive before
    their provider or case, and many second versions before their first."""
    lines = [
        maker(n, version)
        for maker, count in (
            (_provider, PROVIDERS),
            (_case, CASES),
            (_authorization, AUTHORIZATIONS),
        )
        for n in range(count)
        for version in (1, 2)
    ]
    random.Random(3).shuffle(lines)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


async def test_two_replicas_end_every_record_at_its_latest_state(
    nc: NatsClient, settings: Settings, tmp_path: Path
) -> None:
    # AUTH-1: latest version wins whichever replica applies it; AUTH-3: termination ends
    path = nightly(tmp_path / "nightly.jsonl")
    engine = async_engine(settings.database_url)
    a = store.authorizations.c

    async def all_announced() -> bool:
        async with engine.connect() as conn:
            pushes = await conn.execute(select(func.count()).select_from(store.versions))
            done = await conn.execute(
                select(func.count()).where(a.version == 2, a.revision > 0, a.announced.is_not(None))
            )
            return pushes.scalar_one() == 2 * (PROVIDERS + CASES + AUTHORIZATIONS) and (
                done.scalar_one() == AUTHORIZATIONS
            )

    try:
        async with running(settings, ("authorization",)), running(settings, ("authorization",)):
            result = await import_file(settings.nats_url, path)
            assert result.refused == 0
            await eventually(all_announced, timeout=60)
        async with engine.connect() as conn:
            rows = (await conn.execute(select(a.authorization_id, a.announced))).all()
    finally:
        await engine.dispose()
    for authorization_id, announced in rows:
        n = int(authorization_id.removeprefix("AU-"))
        assert announced["version"] == 2
        assert announced["end_date"] == f"2027-0{1 + n % 3}-15"
        assert [adult["first_name"] for adult in announced["adults"]] == ["Ana v2"]
        ended = announced["provider_id"] == TERMINATED
        assert announced["status"] == ("ended" if ended else "active")
        assert (announced["ended_reason"] == "provider_terminated") is ended
