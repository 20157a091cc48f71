"""Handlers of the identity service: thin, each concern in its own module.

Decode (the kernel), load, ask the domain, store, announce (through the outbox).
"""

from __future__ import annotations

from shared.service import ServiceRuntime

from ..hasher import Hasher
from ..redaction import OutboxRedaction
from . import cards, cases, delegates, operators, pins, readmodel, signin


def register(rt: ServiceRuntime) -> None:
    hasher = Hasher(rt.settings.pin_pepper)
    cases.register(rt, hasher)
    readmodel.register(rt)
    pins.register(rt, hasher)
    signin.register(rt, hasher)
    delegates.register(rt, hasher)
    cards.register(rt, hasher)
    operators.register(rt, hasher)
    rt.worker("outbox_redaction")(OutboxRedaction(rt.engine).loop(rt.log))
