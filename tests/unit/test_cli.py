"""The command line as an operator types it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccats.cli import build_parser


@pytest.mark.parametrize(
    "argv",
    [
        ["--data-dir", "/srv/ccats", "up"],
        ["up", "--data-dir", "/srv/ccats"],
        ["status", "--data-dir", "/srv/ccats"],
    ],
)
def test_the_data_folder_may_come_before_or_after_the_command(argv: list[str]) -> None:
    parser, _ = build_parser()
    assert parser.parse_args(argv).data_dir == Path("/srv/ccats")


def test_without_a_data_folder_the_default_applies() -> None:
    parser, _ = build_parser()
    assert parser.parse_args(["up"]).data_dir is None
