"""`ccats asyncapi`."""

import argparse
from pathlib import Path

from shared.settings import Settings

NAME = "asyncapi"
HELP = "write the contract as an AsyncAPI 3.0 document, generated from the code"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", type=Path, default=Path("docs/asyncapi.json"))


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ccats.asyncapi_cmd import write_asyncapi

    write_asyncapi(args.output)
    print(f"wrote {args.output}")
    return 0
