"""Thin handlers of the attendance service."""

from __future__ import annotations

from shared.contract.events import AuthorizationChanged
from shared.service import ServiceRuntime, Transaction

from . import store


def register(rt: ServiceRuntime) -> None:
    @rt.consume("authorization.changed", AuthorizationChanged)
    async def on_authorization_changed(event: AuthorizationChanged, tx: Transaction) -> None:
        """Keep attendance's own copy of each authorization (AUTH-2 needs it for taps)."""
        kept = await store.keep_authorization(tx.conn, event)
        rt.log.info(
            "authorization kept" if kept else "older authorization version ignored",
            extra={"authorization_id": event.authorization_id, "version": event.version},
        )
