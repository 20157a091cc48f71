"""Deciding the messages of a causing event, inside the transaction that consumes
it: look up the contacts, ask the domain, render, store (or keep the cause)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from services.notify import directory, held, messages
from services.notify.compose import Composer
from services.notify.domain.planners import planner_for
from services.notify.domain.plans import Held, Site, WaitingFor
from shared.contract.base import Event

log = logging.getLogger("ccats.notify.decide")


class Decider:
    def __init__(self, composer: Composer, site: Site) -> None:
        self.composer = composer
        self.site = site

    async def decide(self, conn: AsyncConnection, cause: Event, now: datetime) -> int:
        """Store the messages `cause` calls for; returns how many were new. A cause
        whose recipients are not known yet is kept for later (NOT-3)."""
        planner = planner_for(cause)
        needs = planner.needs(cause)
        plan = planner.plan(cause, await directory.load(conn, needs), now, self.site)
        if isinstance(plan, Held):
            await directory.lock_contact(conn, plan.waiting_for, plan.id)
            plan = planner.plan(cause, await directory.load(conn, needs), now, self.site)
        if isinstance(plan, Held):
            await held.hold(conn, cause, plan, now)
            log.info(
                "message waits for a contact",
                extra={"cause": cause.subject, "waiting_for": plan.waiting_for.value},
            )
            return 0
        stored = 0
        for draft in plan:
            rendered = self.composer.render(draft.kind, draft.language, draft.timezone, draft.facts)
            notification_id = await messages.add(conn, draft, rendered, cause=cause, now=now)
            if notification_id is not None:
                stored += 1
                log.info(
                    "message decided",
                    extra={"notification_id": notification_id, "kind": draft.kind.value},
                )
        await held.release(conn, cause)
        return stored

    async def resolve(
        self, conn: AsyncConnection, waiting_for: WaitingFor, waiting_id: str, now: datetime
    ) -> int:
        """Decide again every cause that waited for this contact."""
        stored = 0
        for cause in await held.waiting_on(conn, waiting_for, waiting_id):
            stored += await self.decide(conn, cause, now)
        return stored
