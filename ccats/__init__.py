"""The `ccats` command: runs the whole system, one service, or an operator's request."""
