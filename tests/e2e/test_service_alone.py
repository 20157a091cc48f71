"""A service runs alone (`ccats service NAME`): it migrates its own schema, adds
missing streams, and answers its health, so it can be scaled and restarted on
its own (issue: foundation, item 3)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid

import nats
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from shared.db import sync_engine

pytestmark = pytest.mark.e2e


@pytest.fixture
def empty_database(postgres_url: str):
    name = f"ccats_alone_{uuid.uuid4().hex[:10]}"
    admin = sync_engine(postgres_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


async def test_a_service_started_alone_migrates_itself_and_answers(
    nats_url: str, empty_database: str, tmp_path
) -> None:
    env = {
        **os.environ,
        "NATS_URL": nats_url,
        "DATABASE_URL": empty_database,
        "CCATS_DATA_DIR": str(tmp_path),
    }
    log = tmp_path / "billing.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "ccats", "service", "billing"],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    nc = await nats.connect(nats_url)
    try:
        deadline = time.monotonic() + 30
        answer: dict = {}
        while time.monotonic() < deadline and not answer.get("ok"):
            try:
                reply = await nc.request("ops.health.billing", b"{}", timeout=1)
                answer = json.loads(reply.data)
            except Exception:
                await asyncio.sleep(0.2)
        assert answer.get("ok"), log.read_text()
        assert answer["status"] == "up"
    finally:
        await nc.close()
        process.terminate()
        assert process.wait(20) == 0
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert lines and all(line["service"] == "billing" for line in lines)
