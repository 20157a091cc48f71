"""The authorization schema's second revision keeps the history the first one
stored: nothing stored is ever lost (AUTH-1: every version received)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url

from shared.db import sync_engine
from shared.migrations import alembic_config

pytestmark = pytest.mark.integration


@pytest.fixture
def empty_database(postgres_url: str) -> Iterator[str]:
    name = f"ccats_auth_migration_{uuid.uuid4().hex[:10]}"
    admin = sync_engine(postgres_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_the_foundations_history_survives_the_upgrade_and_back(empty_database: str) -> None:
    config = alembic_config("authorization", empty_database)
    command.upgrade(config, "auth0001")
    state = json.dumps({"authorization_id": "AUTH-1", "version": 2})
    engine = sync_engine(empty_database)
    with engine.begin() as conn:
        conn.execute(
            text(
                'INSERT INTO "authorization".authorization_versions '
                "(authorization_id, version, event_id, applied, state) VALUES "
                "('AUTH-1', 2, 'e2', true, CAST(:s AS jsonb)), "
                "('AUTH-1', 1, 'e1', false, CAST(:s AS jsonb))"
            ),
            {"s": state},
        )
    command.upgrade(config, "head")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                'SELECT record_id, version, outcome, event_id FROM "authorization".versions '
                "WHERE kind = 'authorization' ORDER BY version"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("AUTH-1", 1, "stale", "e1"),
        ("AUTH-1", 2, "applied", "e2"),
    ]
    command.downgrade(config, "auth0001")
    with engine.connect() as conn:
        back = conn.execute(
            text(
                'SELECT version, applied, event_id FROM "authorization".authorization_versions '
                "ORDER BY version"
            )
        ).all()
    assert [tuple(r) for r in back] == [(1, False, "e1"), (2, True, "e2")]
    engine.dispose()
