"""`ccats service NAME`."""

import argparse

from shared.service_names import SERVICES
from shared.settings import Settings

NAME = "service"
HELP = "run one service alone, to scale or restart it on its own"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", choices=SERVICES)
    parser.add_argument(
        "--no-bootstrap",
        action="store_true",
        help="skip migrating its schema and adding missing streams",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ccats.run_service import run_service

    return run_service(args.name, settings, bootstrap=not args.no_bootstrap)
