"""A failing statement's error, as logged or dead-lettered, never carries a value:
PostgreSQL's own messages echo them, and they may be a PIN's keyed hash, a card's
or a link token's (no secret in a log or error)."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared.db import async_engine, sync_engine
from shared.safe_errors import describe_error
from shared.settings import Settings
from shared.telemetry import JsonLogFormatter

pytestmark = pytest.mark.integration

SECRET = "pin-hash-5f3c9a"


def logged(exc: BaseException) -> str:
    try:
        raise RuntimeError("handling failed") from exc
    except RuntimeError:
        record = logging.LogRecord("ccats.test", logging.ERROR, __file__, 1, "failed", (),
                                   sys.exc_info())
    return JsonLogFormatter("test").format(record)


async def test_a_value_postgresql_echoes_stays_out_of_logs_and_dead_letters(
    settings: Settings,
) -> None:
    engine = async_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            with pytest.raises(DBAPIError) as failed:
                await conn.execute(text("SELECT CAST(:value AS integer)"), {"value": SECRET})
    finally:
        await engine.dispose()
    assert SECRET in str(failed.value.orig)  # what PostgreSQL said, as a reminder
    reason = describe_error(failed.value)
    assert SECRET not in reason and "SQLSTATE 22P02" in reason
    logged_exc = json.loads(logged(failed.value))["exc"]
    assert SECRET not in logged_exc
    assert "DataError" in logged_exc  # what failed and where stays for the operator
    assert "RuntimeError: handling failed" in logged_exc
    assert "test_db_errors.py" in logged_exc


def test_a_unique_violation_names_its_constraint_not_the_key(settings: Settings) -> None:
    engine = sync_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("CREATE TEMP TABLE pins (pin_hash text CONSTRAINT uq_pin UNIQUE)"))
            conn.execute(text("INSERT INTO pins VALUES (:v)"), {"v": SECRET})
            with pytest.raises(DBAPIError) as failed:
                conn.execute(text("INSERT INTO pins VALUES (:v)"), {"v": SECRET})
    finally:
        engine.dispose()
    reason = describe_error(failed.value)
    assert SECRET not in reason and "constraint uq_pin" in reason
    assert SECRET not in logged(failed.value)
