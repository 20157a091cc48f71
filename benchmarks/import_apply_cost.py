"""CPU the authorization service spends per eligibility record, in its own code
only: decoding a message and applying a batch of 500 in one transaction (inbox
claims, every push kept, the record stored, `AuthorizationChanged` staged), without
NATS and without the outbox relay. Compares the code in `--baseline DIR` (a copy of
`services/authorization` from before a change) with the current code, in one run,
alternating, each on a fresh PostgreSQL.

    flock /tmp/ccats-bench.lock timeout 1200 .venv/bin/python \\
        benchmarks/import_apply_cost.py [--records 20000] [--rounds 2] [--baseline DIR]

`DIR` must hold `services/authorization` (the rest of `services`, `shared` and
`ccats` may be links to the repository); it is put first on `PYTHONPATH` of a
worker process. Three passes over the same authorizations: new records, a newer
version of each (a change of dates), and the same versions again (duplicates:
kept, not applied). Results are in `import_results.md`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BATCH = 500


def _batches(items: list, size: int = BATCH) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def _worker(
    url: str, records: int, only: str | None = None, freeze: bool = False
) -> dict[str, float]:
    """Run in a process whose `PYTHONPATH` picks the code measured."""
    sys.path.insert(0, str(HERE))
    from import_throughput import _authorization, _case, _provider

    from services.authorization import store
    from services.authorization.apply import (
        apply_authorizations,
        apply_cases,
        apply_providers,
    )
    from services.authorization.batch import CopiedBatch
    from shared.batch_consumer import Delivery
    from shared.contract.eligibility import AuthorizationRecord, CaseRecord, ProviderRecord
    from shared.db import async_engine
    from shared.inbox import claim_first_deliveries

    if freeze:  # as the service's consumer does once started
        import gc

        gc.freeze()
    engine = async_engine(url)
    sequence = 0

    async def apply(model, handler, bodies: list[bytes]) -> None:
        nonlocal sequence
        deliveries = []
        for body in bodies:
            sequence += 1
            deliveries.append(
                Delivery(
                    record=model.model_validate_json(body),
                    event_id=f"E-{sequence}",
                    sequence=sequence,
                    headers={"Ccats-Source": f"nightly.jsonl:{sequence}"},
                    trace=None,
                )
            )
        async with engine.begin() as conn:
            tx = CopiedBatch(conn, store.outbox)
            first = await claim_first_deliveries(
                conn, store.inbox, "bench", [d.event_id for d in deliveries]
            )
            new = [d for d in deliveries if d.event_id in first]
            await handler(new, tx, now=NOW)
            await tx.flush()

    from datetime import UTC, datetime

    NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
    rng = random.Random(20261124)
    providers, cases = max(records // 60, 1), max(records // 2, 1)

    def encoded(record: dict) -> bytes:
        return json.dumps({k: v for k, v in record.items() if k != "record"}).encode()

    for batch in _batches([encoded(_provider(n)) for n in range(providers)]):
        await apply(ProviderRecord, apply_providers, batch)
    for batch in _batches([encoded(_case(n)) for n in range(cases)]):
        await apply(CaseRecord, apply_cases, batch)
    first = [_authorization(n, providers, cases, rng) for n in range(records)]
    newer = [r | {"version": r["version"] + 1, "end_date": r["start_date"]} for r in first]
    result = {}
    for name, bodies in (
        ("new", [encoded(r) for r in first]),
        ("newer version", [encoded(r) for r in newer]),
        ("same version again", [encoded(r) for r in newer]),
    ):
        if only and name != only:
            continue
        cpu, wall = time.process_time(), time.perf_counter()
        for batch in _batches(bodies):
            await apply(AuthorizationRecord, apply_authorizations, batch)
        result[name] = (time.process_time() - cpu) / records * 1e6
        result[f"{name} wall"] = (time.perf_counter() - wall) / records * 1e6
    await engine.dispose()
    return result


def _measure(
    code: Path | None, records: int, workdir: Path, freeze: bool = False
) -> dict[str, float]:
    from ccats.bootstrap import migrate
    from ccats.embedded import EmbeddedPostgres

    postgres = EmbeddedPostgres(workdir)
    postgres.start()
    try:
        migrate(postgres.url)
        env = dict(os.environ)
        if code is not None:
            env["PYTHONPATH"] = f"{code}{os.pathsep}{env.get('PYTHONPATH', '')}"
        out = subprocess.run(
            [sys.executable, __file__, "--worker", postgres.url, "--records", str(records)]
            + (["--freeze"] if freeze else []),
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return json.loads(out.strip().splitlines()[-1])
    finally:
        postgres.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--worker", metavar="URL")
    parser.add_argument("--only", help="one pass (with --worker, to profile it)")
    parser.add_argument(
        "--freeze", action="store_true", help="gc.freeze() in the worker, as the service does"
    )
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(asyncio.run(_worker(args.worker, args.records, args.only, args.freeze))))
        return
    variants: dict[str, Path | None] = {"current": None}
    if args.baseline:
        variants = {"baseline": args.baseline.resolve(), **variants}
    before = os.getloadavg()
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory(prefix="ccats-apply-cost-") as tmp:
        for round_ in range(args.rounds):
            for name, code in variants.items():
                runs[name].append(
                    _measure(code, args.records, Path(tmp) / f"{name}-{round_}", args.freeze)
                )
    after = os.getloadavg()
    print(
        f"- load average before: {', '.join(f'{x:.2f}' for x in before)}; "
        f"after: {', '.join(f'{x:.2f}' for x in after)}"
    )
    print(f"- {args.records:,} authorizations, batches of {BATCH}, best of {args.rounds} rounds")
    print()
    passes = [k for k in runs["current"][0] if not k.endswith("wall")]
    head = " | ".join(f"{name} CPU (wall) per record" for name in variants)
    print(f"| pass | {head} |" + (" current / baseline |" if args.baseline else ""))
    print("|---|" + "---|" * (len(variants) + bool(args.baseline)))
    for key in passes:
        best = {name: min(r[key] for r in rs) for name, rs in runs.items()}
        wall = {name: min(r[f"{key} wall"] for r in rs) for name, rs in runs.items()}
        cells = " | ".join(f"{best[n]:,.0f} µs ({wall[n]:,.0f} µs)" for n in variants)
        ratio = f" {best['current'] / best['baseline']:.2f}× |" if args.baseline else ""
        print(f"| {key} | {cells} |{ratio}")


if __name__ == "__main__":
    main()
