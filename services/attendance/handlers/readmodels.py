"""Consumers that keep attendance's read models (architecture rule 1)."""

from __future__ import annotations

from shared.contract.eligibility import CaseRecord
from shared.contract.events import AuthorizationChanged, MonthSubmitted, ProviderChanged
from shared.service import ServiceRuntime, Transaction

from .. import readmodels


def register(rt: ServiceRuntime) -> None:
    @rt.consume("authorization.changed", AuthorizationChanged)
    async def on_authorization_changed(event: AuthorizationChanged, tx: Transaction) -> None:
        """Keep attendance's own copy of each authorization (AUTH-2 needs it for taps)."""
        kept = await readmodels.keep_authorization(tx.conn, event)
        rt.log.info(
            "authorization kept" if kept else "older authorization version ignored",
            extra={"authorization_id": event.authorization_id, "version": event.version},
        )

    @rt.consume(ProviderChanged.subject, ProviderChanged)
    async def on_provider_changed(event: ProviderChanged, tx: Transaction) -> None:
        """Keep each provider's program, time zone and status (AUTH-3)."""
        await readmodels.keep_provider(tx.conn, event)

    @rt.consume("eligibility.case", CaseRecord)
    async def on_case(record: CaseRecord, tx: Transaction) -> None:
        """Keep the adults of each case: who resolves its pending records (ATT-2, ATT-6)."""
        await readmodels.keep_case(tx.conn, record)

    @rt.consume(MonthSubmitted.subject, MonthSubmitted)
    async def on_month_submitted(event: MonthSubmitted, tx: Transaction) -> None:
        """Children whose month is submitted: not changed in place after (BILL-2)."""
        await readmodels.keep_submitted_month(tx.conn, event)
