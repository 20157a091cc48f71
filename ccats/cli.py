"""`ccats`: run the system, one service, the bootstrap step, or an operator's request."""

from __future__ import annotations

import argparse
import pkgutil
import sys
from importlib import import_module
from pathlib import Path
from types import ModuleType

from ccats import commands
from shared.settings import Settings


def command_modules() -> list[ModuleType]:
    return [
        import_module(f"{commands.__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name)
        if not info.name.startswith("_")
    ]


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    parser = argparse.ArgumentParser(prog="ccats", description=__doc__)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="data folder (default ./.ccats or CCATS_DATA_DIR)",
    )
    # `ccats up --data-dir X` as well as `ccats --data-dir X up`: operators write both.
    # SUPPRESS keeps a command's missing option from hiding the top-level one.
    data_dir_after = argparse.ArgumentParser(add_help=False)
    data_dir_after.add_argument(
        "--data-dir",
        type=Path,
        default=argparse.SUPPRESS,
        help="data folder (default ./.ccats or CCATS_DATA_DIR)",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    by_name: dict[str, ModuleType] = {}
    for module in command_modules():
        module.configure(
            subparsers.add_parser(
                module.NAME, help=module.HELP, description=module.HELP, parents=[data_dir_after]
            )
        )
        by_name[module.NAME] = module
    return parser, by_name


def main(argv: list[str] | None = None) -> int:
    parser, by_name = build_parser()
    args = parser.parse_args(argv)
    settings = Settings()
    if args.data_dir is not None:
        settings = settings.model_copy(update={"data_dir": args.data_dir})
    return by_name[args.command].run(args, settings)


def running_system(settings: Settings) -> Settings:
    """The servers to talk to: from the environment, else the running `ccats up`."""
    from ccats.supervisor import read_state

    state = read_state(settings.data_dir) or {}
    nats_url = settings.nats_url or state.get("nats_url", "")
    database_url = settings.database_url or state.get("database_url", "")
    if not nats_url:
        sys.exit("no NATS_URL set and no running `ccats up` in the data folder")
    return settings.model_copy(update={"nats_url": nats_url, "database_url": database_url})
