"""`ccats up`."""

import argparse
import os

from ccats.embedded import NATS_DEFAULT_PORT
from shared.settings import Settings

NAME = "up"
HELP = "run the whole system: embedded servers (unless NATS_URL/DATABASE_URL), five services"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true", help="also load the demo world")
    parser.add_argument(
        "--nats-port",
        type=int,
        default=NATS_DEFAULT_PORT,
        help="embedded NATS port; another free one if taken, 0 for any",
    )
    parser.add_argument(
        "--replicas",
        default=None,
        metavar="SERVICE=N,...",
        help="processes per service, e.g. attendance=2,identity=2 "
        "(default: CCATS_REPLICAS, else one each)",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ccats.supervisor import REPLICAS_VARIABLE, replica_counts, up

    spec = args.replicas if args.replicas is not None else os.environ.get(REPLICAS_VARIABLE, "")
    try:
        replicas = replica_counts(spec)
    except ValueError as exc:
        print(f"ccats up: replicas: {exc}")
        return 2
    return up(settings.data_dir, demo=args.demo, nats_port=args.nats_port, replicas=replicas)
