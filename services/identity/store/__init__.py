"""The identity schema: its tables (`tables`) and the queries of each concern."""

from .tables import SCHEMA, inbox, metadata, outbox

__all__ = ["SCHEMA", "inbox", "metadata", "outbox"]
