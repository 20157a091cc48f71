"""`ccats import FILE`."""

import argparse
import asyncio
import sys
from pathlib import Path

from shared.settings import Settings

NAME = "import"
HELP = (
    "publish an eligibility file (JSON Lines or CSV) to the running system; refused "
    "lines go to a report; exit 1 when a line was refused, 2 when publishing failed"
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the file: .jsonl (default) or .csv")
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        help="where to write the refused lines (default FILE.refused.jsonl beside the file)",
    )
    parser.add_argument(
        "--format",
        choices=("jsonl", "csv"),
        default=None,
        help="the file's format when its name does not say",
    )
    parser.add_argument(
        "--window",
        type=int,
        default=256,
        help="records awaiting their acknowledgement at once (default 256)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress line")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ccats.cli import running_system
    from ccats.feed import PublishFailed
    from ccats.importer import import_file
    from shared.event_loop import event_loop_factory

    if not args.file.is_file():
        print(f"no such file: {args.file}", file=sys.stderr)
        return 2
    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            result = runner.run(
                import_file(
                    running_system(settings).nats_url,
                    args.file,
                    report=args.report,
                    fmt=args.format,
                    window=max(args.window, 1),
                    progress=None if args.quiet else sys.stderr,
                )
            )
    except PublishFailed as exc:
        print(
            f"import stopped: {exc}; run it again (loading a file twice is safe)", file=sys.stderr
        )
        return 2
    print(
        f"{result.lines:,} lines: {result.published:,} published "
        f"({result.already_stored:,} already stored), {result.refused:,} refused "
        f"in {result.seconds:.1f}s; refused lines: {result.report}"
    )
    return 1 if result.refused else 0
