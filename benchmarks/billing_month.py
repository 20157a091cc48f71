"""Benchmark: month close and claims for N children with a month of attendance each,
against a real PostgreSQL (BILL-1, BILL-9).

The billing read models are filled with SQL (providers of the four programs, one
authorization per child, a check-in and a check-out on each weekday of November
2026, Z-days and absences here and there); then the two timed steps run the
service's own code, without NATS in between:

1. month close: `closing.close_month` for every provider in one transaction, the
   `MonthClosed` events staged in the outbox (what `ops.billing.close_month` does);
2. claims: for every provider, `claiming.month_claim` (read the month, pair the
   days, run the pack's claim method, merge submissions) and the `billing.claim.get`
   reply serialized to JSON, as the handler does.

    flock /tmp/ccats-bench.lock timeout 1800 \
        .venv/bin/python benchmarks/billing_month.py --children 10000 100000 --replicas 1 2

Uses DATABASE_URL when set, else starts an embedded PostgreSQL (pgserver) in a
temporary folder. Results are written down in `billing_results.md`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context

from sqlalchemy import text
from sqlalchemy.engine import make_url

from services.billing.books import load_provider
from services.billing.claiming import month_claim
from services.billing.closing import close_month
from services.billing.handlers.claims import claim_reply
from services.billing.store import outbox
from shared.db import async_engine, sync_engine
from shared.migrations import upgrade
from shared.service import Transaction

MONTH = "2026-11"
NOW = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
CHILDREN_PER_PROVIDER = 50

FILL = [
    """
    INSERT INTO billing.providers (provider_id, version, name, program, type, status,
        timezone, min_months, max_months, rates, paid_holidays)
    SELECT 'P' || lpad(p::text, 6, '0'), 1, 'Provider ' || p,
        (ARRAY['colorado','california','arizona','texas'])[1 + p % 4], 'center', 'active',
        (ARRAY['America/Denver','America/Los_Angeles','America/Phoenix','America/Chicago'])
            [1 + p % 4],
        0, 156,
        jsonb_build_array(jsonb_build_object('care_level', 'full_time',
            'unit', (ARRAY['day','hour','unit','day'])[1 + p % 4],
            'amount', (ARRAY[45.5, 12.5, 30.0, 38.0])[1 + p % 4])),
        '["2026-11-26"]'::jsonb
    FROM generate_series(0, :providers - 1) AS p
    """,
    """
    INSERT INTO billing.authorizations (authorization_id, version, provider_id, child_id,
        case_id, start_date, end_date, status, state)
    SELECT 'A' || c, 1, 'P' || lpad((c / :per_provider)::text, 6, '0'), 'C' || c, 'K' || c,
        DATE '2026-09-01', DATE '2027-08-31', 'active',
        jsonb_build_object(
            'authorization_id', 'A' || c, 'version', 1, 'case_id', 'K' || c,
            'child', jsonb_build_object('child_id', 'C' || c, 'first_name', 'Child',
                'last_name', c::text, 'birth_date', '2022-05-05'),
            'provider_id', 'P' || lpad((c / :per_provider)::text, 6, '0'),
            'start_date', '2026-09-01', 'end_date', '2027-08-31', 'status', 'active',
            'schedule', CASE WHEN c % 5 = 0
                THEN jsonb_build_object('kind', 'variable', 'days', '[]'::jsonb,
                    'hours_per_week', NULL, 'max_days_per_month', 20,
                    'max_hours_per_month', 160)
                ELSE jsonb_build_object('kind', 'fixed',
                    'days', '["mon","tue","wed","thu","fri"]'::jsonb, 'hours_per_week', 40,
                    'max_days_per_month', 23, 'max_hours_per_month', NULL) END,
            'care_level', 'full_time', 'protective_services', false,
            'absence_exceptions', '[]'::jsonb)
    FROM generate_series(0, :children - 1) AS c
    """,
    """
    INSERT INTO billing.records (record_id, provider_id, child_id, case_id, direction,
        occurred_at, status, channel, live)
    SELECT 'R' || c || '-' || to_char(d, 'MMDD') || '-' || dir.direction,
        p.provider_id, 'C' || c, 'K' || c, dir.direction,
        (d::date + dir.at) AT TIME ZONE p.timezone, 'confirmed', 'kiosk', true
    FROM generate_series(0, :children - 1) AS c
    JOIN billing.providers p ON p.provider_id = 'P' || lpad((c / :per_provider)::text, 6, '0')
    CROSS JOIN generate_series(DATE '2026-11-01', DATE '2026-11-30', INTERVAL '1 day') AS d
    CROSS JOIN (VALUES ('in', TIME '08:00'), ('out', TIME '16:30')) AS dir(direction, at)
    WHERE extract(isodow FROM d) < 6 AND (c + extract(day FROM d)::int) % 17 <> 0
    """,
    """
    INSERT INTO billing.absences (authorization_id, child_id, day, provider_id, case_id,
        kind, reason, counts_as_absence)
    SELECT 'A' || c, 'C' || c, d::date, 'P' || lpad((c / :per_provider)::text, 6, '0'),
        'K' || c, 'zday', '', true
    FROM generate_series(0, :children - 1) AS c
    CROSS JOIN generate_series(DATE '2026-11-01', DATE '2026-11-30', INTERVAL '1 day') AS d
    WHERE extract(isodow FROM d) < 6 AND (c + extract(day FROM d)::int) % 17 = 0
    """,
]


def fresh_database(server_url: str) -> str:
    name = f"ccats_bench_{uuid.uuid4().hex[:8]}"
    admin = sync_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    upgrade("billing", url)
    return url


async def fill(url: str, children: int) -> dict[str, int]:
    engine = async_engine(url)
    params = {
        "children": children,
        "per_provider": CHILDREN_PER_PROVIDER,
        "providers": -(-children // CHILDREN_PER_PROVIDER),
    }
    async with engine.begin() as conn:
        await conn.execute(text("DROP INDEX billing.ix_records_provider_live_time"))
        for statement in FILL:
            await conn.execute(text(statement), params)
        await conn.execute(
            text(
                "CREATE INDEX ix_records_provider_live_time ON billing.records "
                "(provider_id, occurred_at) WHERE live"
            )
        )
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
        counts = {
            table: (await conn.execute(text(f"SELECT count(*) FROM billing.{table}"))).scalar()
            for table in ("providers", "authorizations", "records", "absences")
        }
    await engine.dispose()
    return counts  # type: ignore[return-value]


async def claims_for(url: str, provider_ids: list[str]) -> tuple[int, int, float]:
    """What one billing replica does for its share of providers: `billing.claim.get`."""
    engine = async_engine(url)
    cpu = time.process_time()
    lines = items = 0
    async with engine.connect() as conn:
        for provider_id in provider_ids:
            provider = await load_provider(conn, provider_id)
            assert provider is not None
            claim = await month_claim(conn, provider, MONTH, NOW)
            json.dumps(claim_reply(claim.data))  # as the handler answers
            lines += len(claim.data["lines"])
            items += sum(len(line["items"]) for line in claim.data["lines"])
    await engine.dispose()
    return lines, items, time.process_time() - cpu


def replica(url: str, provider_ids: list[str]) -> tuple[int, int, float]:
    return asyncio.run(claims_for(url, provider_ids))


async def close_all(url: str) -> tuple[int, list[str]]:
    engine = async_engine(url)
    async with engine.begin() as conn:
        outcome = await close_month(
            Transaction(conn, outbox), MONTH, NOW, provider_id=None, operator_id="bench"
        )
        ids = [r[0] for r in await conn.execute(text("SELECT provider_id FROM billing.providers"))]
    await engine.dispose()
    return len(outcome["closed"]), ids


async def reopen_month(url: str) -> None:
    """Forget an earlier run's close, so each run closes the month for real."""
    engine = async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM billing.month_closes"))
        await conn.execute(text("DELETE FROM billing.outbox"))
    await engine.dispose()


def ready(_: int) -> int:
    """A replica started, its modules imported: a running service before the month ends.
    Long enough that each replica takes one."""
    time.sleep(0.5)
    return os.getpid()


def timed_run(url: str, replicas: int) -> dict[str, float]:
    """Month close, then every provider's claim, shared by `replicas` processes the way
    replicas of the billing service share a queue group. The replicas are started
    before the clock starts, as running services are."""
    asyncio.run(reopen_month(url))
    with ProcessPoolExecutor(replicas, mp_context=get_context("spawn")) as pool:
        list(pool.map(ready, range(replicas)))
        started = time.perf_counter()
        closed, ids = asyncio.run(close_all(url))
        close_done = time.perf_counter()
        shares = [ids[n::replicas] for n in range(replicas)]
        results = list(pool.map(replica, [url] * replicas, shares))
        finished = time.perf_counter()
    return {
        "providers closed": closed,
        "claim lines": sum(r[0] for r in results),
        "claim items": sum(r[1] for r in results),
        "close s": close_done - started,
        "claims s": finished - close_done,
        "total s": finished - started,
        "python cpu s": sum(r[2] for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--replicas", type=int, nargs="+", default=[1, 2], help="billing processes sharing claims"
    )
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL", "")
    keep = None
    if not server_url:
        import pgserver

        keep = pgserver.get_server(tempfile.mkdtemp(prefix="ccats-bench-"))
        server_url = keep.get_uri()
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
        f"Python {platform.python_version()}"
    )
    results = []
    for children in args.children:
        url = fresh_database(server_url)
        fill_started = time.perf_counter()
        counts = asyncio.run(fill(url, children))
        fill_s = time.perf_counter() - fill_started
        print(
            f"{children:>7} children: {counts['records']} records, {counts['providers']} "
            f"providers, filled in {fill_s:.1f} s (load average {os.getloadavg()[0]:.2f})"
        )
        for replicas in args.replicas:
            result = timed_run(url, replicas)
            results.append((children, replicas, result))
            print(
                f"  {replicas} replica(s): close {result['close s']:.2f} s | "
                f"claims {result['claims s']:.2f} s | total {result['total s']:.2f} s | "
                f"{result['total s'] / children * 1e6:.0f} us per child | "
                f"claims cpu {result['python cpu s']:.2f} s | "
                f"{result['claim lines']} lines, {result['claim items']} items"
            )
    for replicas in args.replicas:
        runs = [(c, r) for c, n, r in results if n == replicas]
        if len(runs) > 1:
            (small, a), (large, b) = runs[0], runs[-1]
            print(
                f"{replicas} replica(s): x{large / small:.0f} children -> "
                f"x{b['total s'] / a['total s']:.2f} time"
            )


if __name__ == "__main__":
    main()
