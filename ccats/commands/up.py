"""`ccats up`."""

import argparse

from ccats.embedded import NATS_DEFAULT_PORT
from shared.settings import Settings

NAME = "up"
HELP = "run the whole system: embedded servers (unless NATS_URL/DATABASE_URL), five services"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true", help="also load the demo world")
    parser.add_argument("--nats-port", type=int, default=NATS_DEFAULT_PORT,
                        help="embedded NATS port; another free one if taken, 0 for any")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ccats.supervisor import up

    return up(settings.data_dir, demo=args.demo, nats_port=args.nats_port)
