"""JSON text and the value it encodes, kept together so that a record is encoded
once and parsed at most once on its way through the service."""

from __future__ import annotations

from typing import Any

from pydantic_core import from_json, to_json


class Json(str):
    """JSON text and the value it encodes: written as it is, and parsed at most once,
    when its value is first read.

    Encoded and parsed by pydantic's JSON (compact, UTF-8 kept as it is, like
    `json.dumps(separators=(",", ":"), ensure_ascii=False)`), several times faster
    than the standard library on the records of a nightly file.
    """

    _value: Any
    _parsed: bool

    def __new__(cls, text: str, value: Any = None, *, parsed: bool = True) -> Json:
        instance = super().__new__(cls, text)
        instance._value, instance._parsed = value, parsed
        return instance

    @property
    def value(self) -> Any:
        if not self._parsed:
            self._value, self._parsed = from_json(self), True
        return self._value

    @classmethod
    def of(cls, value: Any) -> Json:
        return cls(to_json(value).decode(), value)

    @classmethod
    def parse(cls, text: str) -> Json:
        return cls(text, parsed=False)


def value_of(cell: Any) -> Any:
    """The value of a JSON column as read from the database or as about to be written."""
    return cell.value if isinstance(cell, Json) else cell
