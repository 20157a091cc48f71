"""Error text that never carries a database value.

PostgreSQL's own messages echo values ("Key (pin_hash)=(...) already exists",
`invalid input syntax for type integer: "..."`), and SQLAlchemy repeats them
even with `hide_parameters=True`; those values may be a PIN's keyed hash, a
card's or a link token's. Logs and dead letters keep the error's class, its
SQLSTATE and the constraint, which is what an operator acts on.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from types import TracebackType

import psycopg
from sqlalchemy.exc import DBAPIError

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def describe_error(exc: BaseException) -> str:
    """`Type: message`, or for a database error `Type (SQLSTATE s, constraint c)`."""
    database = _database_error(exc)
    if database is None:
        return f"{type(exc).__name__}: {exc}"
    details = [type(database).__name__]
    if database.sqlstate:
        details.append(f"SQLSTATE {database.sqlstate}")
    if constraint := database.diag.constraint_name:
        details.append(f"constraint {constraint}")
    return f"{type(exc).__name__} ({', '.join(details)})"


def format_exception(exc_info: ExcInfo) -> str:
    """A traceback for a log line; where a database error is in the chain, each
    exception is named by `describe_error` instead of its message."""
    _, exc, _ = exc_info
    if not any(_database_error(e) is not None for e in _chain(exc)):
        return "".join(traceback.format_exception(*exc_info)).rstrip("\n")
    parts = [
        "".join(traceback.format_tb(e.__traceback__)) + describe_error(e)
        for e in reversed(list(_chain(exc)))
    ]
    return "\n(then)\n".join(parts)


def _database_error(exc: BaseException) -> psycopg.Error | None:
    if isinstance(exc, psycopg.Error):
        return exc
    if isinstance(exc, DBAPIError) and isinstance(exc.orig, psycopg.Error):
        return exc.orig
    return None


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__
