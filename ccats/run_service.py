"""`ccats service NAME`: one service in this process, scalable and restartable alone."""

from __future__ import annotations

import asyncio
import gc

from shared.event_loop import event_loop_factory
from shared.settings import Settings
from shared.telemetry import configure_logging


def run_service(name: str, settings: Settings, *, bootstrap: bool) -> int:
    configure_logging(name, settings.log_level)
    if not settings.nats_url or not settings.database_url:
        raise SystemExit(f"{name}: set NATS_URL and DATABASE_URL (or use `ccats up`)")
    if bootstrap:
        from ccats import bootstrap as steps

        steps.migrate(settings.database_url, (name,))
        asyncio.run(steps.declare(settings.nats_url, settings.stream_replicas, only_missing=True))
    from services.runtime import create_runtime

    app = create_runtime(name, settings).app()
    # What the process holds once set up (modules, models, schemas) is left out of
    # every garbage collection: a busy service allocates millions of short-lived
    # objects, and each full collection walked that heap again (a quarter of
    # applying an eligibility batch, benchmarks/import_results.md).
    gc.freeze()
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(app.run())
    return 0
