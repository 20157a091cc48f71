"""What the service writes a batch at a time comes back exactly as it was given
(AUTH-1: every push kept as it came, nothing lost), whatever characters a record
holds, now that rows are written in COPY's text format by the service itself."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from services.authorization.bulk import Json, copy_rows, upsert_rows
from services.authorization.store import authorizations, outbox, versions
from shared.db import async_engine

AWKWARD = [
    "tab\there",
    "line\nbreak",
    "carriage\rreturn",
    "back\\slash",
    "\\N",
    "\\.",
    'quote " and \\" escaped',
    "Zoë Muñoz ☃ 𝄞",
    "",
]


def receipt(number: int, text: str, state: Any) -> dict[str, Any]:
    return {
        "kind": "authorization",
        "record_id": f"AU-{number}",
        "version": 2**40 + number,
        "outcome": "applied",
        "event_id": text,
        "source": None if number % 2 else f"nightly.jsonl:{number}",
        "stream_sequence": number,
        "state": state,
        "received_at": datetime(2026, 11, 24, 12, 30, 15, 123456, tzinfo=UTC),
    }


async def test_every_push_is_kept_as_it_came_whatever_it_holds(database_url: str) -> None:
    # AUTH-1: text with tabs, newlines, backslashes and any script survives the COPY
    engine = async_engine(database_url)
    states = [{"first_name": text, "note": [text, None, 1.5, True]} for text in AWKWARD]
    given_rows = [
        receipt(n, text, Json.of(state) if n % 2 else state)
        for n, (text, state) in enumerate(zip(AWKWARD, states, strict=True))
    ]
    try:
        async with engine.begin() as conn:
            await copy_rows(conn, versions, given_rows)
        async with engine.connect() as conn:
            rows = (await conn.execute(select(versions).order_by(versions.c.id))).mappings().all()
    finally:
        await engine.dispose()
    assert [{k: row[k] for k in given_rows[0]} for row in rows] == [
        {**row, "state": state} for row, state in zip(given_rows, states, strict=True)
    ]


async def test_an_event_body_is_stored_byte_for_byte(database_url: str) -> None:
    # AUTH-1: what is announced is what the outbox publishes
    engine = async_engine(database_url)
    payloads = [b'{"a":"\\t\\n"}', bytes(range(256)), "é☃".encode()]
    try:
        async with engine.begin() as conn:
            await copy_rows(
                conn,
                outbox,
                [
                    {"event_id": f"E-{n}", "subject": "authorization.changed", "payload": body}
                    for n, body in enumerate(payloads)
                ],
            )
        async with engine.connect() as conn:
            stored = (await conn.execute(select(outbox.c.payload).order_by(outbox.c.id))).scalars()
            assert [bytes(p) for p in stored] == payloads
    finally:
        await engine.dispose()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00")))
async def test_a_stored_authorization_keeps_any_name(database_url: str, name: str) -> None:
    # AUTH-1: the record as sent, dates and JSON included, replaced by a newer one
    engine = async_engine(database_url)
    row = {
        "authorization_id": "AU-1",
        "version": 1,
        "case_id": name,
        "child_id": "CH-1",
        "provider_id": "P-1",
        "start_date": date(2026, 1, 1),
        "end_date": date(2026, 12, 31),
        "status": "active",
        "state": Json.of({"child": {"first_name": name}}),
        "first_sequence": 7,
        "ended_on": None,
        "ended_reason": None,
        "ended_provider_id": None,
        "revision": 0,
        "announced": None,
        "last_day": None,
    }
    try:
        async with engine.begin() as conn:
            await upsert_rows(conn, authorizations, [row])
            await upsert_rows(conn, authorizations, [row | {"version": 2}])
        async with engine.connect() as conn:
            stored = (await conn.execute(select(authorizations))).mappings().one()
    finally:
        await engine.dispose()
    assert stored["case_id"] == name
    assert stored["version"] == 2
    assert stored["state"] == {"child": {"first_name": name}}
    assert (stored["start_date"], stored["end_date"]) == (date(2026, 1, 1), date(2026, 12, 31))
