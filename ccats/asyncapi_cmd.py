"""`ccats asyncapi [-o FILE]`: write the public contract as AsyncAPI 3.0.0 JSON."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from shared.contract.asyncapi import asyncapi_json


def contract_version() -> str:
    """`info.version` of the document: the installed ccats version."""
    try:
        return version("ccats")
    except PackageNotFoundError:
        return "0+unknown"


def asyncapi_text() -> str:
    """The document as committed in `docs/asyncapi.json`."""
    return asyncapi_json(contract_version())


def write_asyncapi(path: Path) -> None:
    """Write the document to `path` (indent 2, sorted keys, trailing newline)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(asyncapi_text(), encoding="utf-8")
