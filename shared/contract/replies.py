"""Request replies: `{"ok": true, ...}` or `{"ok": false, "error": {...}}`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from shared.contract.errors import ErrorCode


class ErrorBody(BaseModel):
    """A stable `code` for programs and a `message` for a person."""

    code: ErrorCode
    message: str


class ErrorReply(BaseModel):
    ok: Literal[False] = False
    error: ErrorBody


class OkReply(BaseModel):
    """A success; subclasses add the fields of each request's answer."""

    model_config = ConfigDict(extra="allow")

    ok: Literal[True] = True


class RequestRefused(Exception):
    """Raised by domain or handler code to answer with a stable error code."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def reply(self) -> dict[str, Any]:
        return error_reply(self.code, self.message)


def error_reply(code: ErrorCode, message: str) -> dict[str, Any]:
    """The JSON body of a refusal."""
    return ErrorReply(error=ErrorBody(code=code, message=message)).model_dump(mode="json")
