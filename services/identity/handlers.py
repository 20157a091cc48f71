"""Handlers of the identity service.

The kernel already gives it health (`ops.health.identity`, a share of `ops.health`)
and its outbox relay; its own subscribers are registered here as it grows.
"""

from shared.service import ServiceRuntime


def register(rt: ServiceRuntime) -> None:
    rt.log.debug("identity handlers registered")
