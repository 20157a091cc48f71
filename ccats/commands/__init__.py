"""One module per `ccats` sub-command, found by `ccats.cli`.

A module defines `NAME`, `HELP`, `configure(parser)` and `run(args, settings) -> int`;
adding a command is adding a module here.
"""
