"""Thin handlers of the billing service: decode, load, ask the domain, store, announce."""

from __future__ import annotations

from shared.service import ServiceRuntime

from . import claims, months, rate_draw, readmodels


def register(rt: ServiceRuntime) -> None:
    readmodels.register(rt)
    months.register(rt)
    claims.register(rt)
    rate_draw.register(rt)
