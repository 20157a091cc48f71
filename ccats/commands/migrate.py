"""`ccats migrate`."""

import argparse
import asyncio

from shared.service_names import SERVICES
from shared.settings import Settings

NAME = "migrate"
HELP = "the bootstrap step: migrate every service's schema and declare the streams"


def configure(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ccats import bootstrap
    from ccats.cli import running_system

    system = running_system(settings)
    bootstrap.migrate(system.database_url)
    asyncio.run(bootstrap.declare(system.nats_url, settings.stream_replicas))
    print("migrated:", ", ".join(SERVICES))
    return 0
