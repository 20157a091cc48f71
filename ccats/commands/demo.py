"""`ccats demo`."""

import argparse
import asyncio

from shared.settings import Settings

NAME = "demo"
HELP = "publish the demo world to a running system"


def configure(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ccats.cli import running_system
    from ccats.demo import load_demo

    count = asyncio.run(load_demo(running_system(settings).nats_url))
    print(f"{count} eligibility records published")
    return 0
