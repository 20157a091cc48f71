"""Thin handlers of the attendance service: decode, load, ask the domain, store,
announce. One module per part of the issue."""

from __future__ import annotations

from shared.service import ServiceRuntime

from . import absences, board, ccms, jobs, monthly, pending, provider_records, readmodels, taps


def register(rt: ServiceRuntime) -> None:
    for part in (readmodels, taps, ccms, provider_records, pending, board, absences, monthly, jobs):
        part.register(rt)
