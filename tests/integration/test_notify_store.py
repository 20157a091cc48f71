"""Messages as stored (NOT-3): decided once per cause, recipient and kind; claimed by
one worker at a time; claimed again only if that worker never answered; a refused
write never copies the body (it may hold a link token) into the error."""

from __future__ import annotations

import traceback
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.notify import messages, store
from services.notify.compose import Rendered
from services.notify.domain.contacts import Address, Channel
from services.notify.domain.kinds import MessageKind
from services.notify.domain.plans import Draft, Recipient, RecipientType
from services.notify.domain.retry import RetryPolicy
from shared.contract.events import PinSetLinkIssued
from shared.db import async_engine
from shared.settings import Settings

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
POLICY = RetryPolicy()
LEASE = timedelta(minutes=1)
CAUSE = PinSetLinkIssued(
    occurred_at=NOW,
    person_id="A-1",
    link_token="tok-stored-1",
    expires_at=NOW + timedelta(hours=24),
    email="ana@x.example",
)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = async_engine(settings.database_url)
    yield engine
    await engine.dispose()


def draft(kind: MessageKind = MessageKind.pin_link) -> Draft:
    return Draft(
        kind=kind,
        recipient=Recipient(RecipientType.person, "A-1"),
        address=Address(Channel.email, "ana@x.example"),
        language="en",
        timezone="UTC",
        facts={},
    )


def rendered(body: str = "Set it: https://x/set-pin#token=tok-stored-1") -> Rendered:
    return Rendered(subject="Welcome", text=body, html=f"<p>{body}</p>", sms=body)


async def test_a_cause_gives_a_recipient_one_message_of_a_kind(engine: AsyncEngine) -> None:
    # NOT-3: decided once
    async with engine.begin() as conn:
        first = await messages.add(conn, draft(), rendered(), cause=CAUSE, now=NOW)
        again = await messages.add(conn, draft(), rendered(), cause=CAUSE, now=NOW)
        other_kind = await messages.add(
            conn, draft(MessageKind.pin_link_reminder), rendered(), cause=CAUSE, now=NOW
        )
    assert first is not None and other_kind is not None
    assert again is None


async def test_one_worker_claims_a_message_and_another_only_after_the_lease(
    engine: AsyncEngine,
) -> None:  # NOT-3: no two replicas send it at once; a dead worker's message is not lost
    async with engine.begin() as conn:
        await messages.add(conn, draft(), rendered(), cause=CAUSE, now=NOW)
    async with engine.begin() as one, engine.begin() as two:
        [claimed] = await messages.claim_due(one, NOW, NOW, POLICY, limit=10, lease=LEASE)
        assert await messages.claim_due(two, NOW, NOW, POLICY, limit=10, lease=LEASE) == []
    assert claimed.attempts == 1
    async with engine.begin() as conn:
        assert await messages.claim_due(conn, NOW, NOW, POLICY, limit=10, lease=LEASE) == []
        later = NOW + LEASE
        [again] = await messages.claim_due(conn, later, later, POLICY, limit=10, lease=LEASE)
    assert (again.notification_id, again.attempts) == (claimed.notification_id, 2)


async def test_a_sent_secret_keeps_no_body(engine: AsyncEngine) -> None:
    # architecture rule 6: the token is for its owner, not for storage
    async with engine.begin() as conn:
        await messages.add(conn, draft(), rendered(), cause=CAUSE, now=NOW)
        [claimed] = await messages.claim_due(conn, NOW, NOW, POLICY, limit=10, lease=LEASE)
        assert await messages.mark_sent(conn, claimed, NOW)
        assert not await messages.mark_sent(conn, claimed, NOW)  # once
        [row] = await messages.for_recipient(
            conn, RecipientType.person, "A-1", since=None, limit=10
        )
        assert await messages.requeue(conn, claimed.notification_id, NOW) == "not_failed"
    assert row.status == "sent"
    async with engine.connect() as conn:
        body = (
            await conn.execute(
                select(
                    store.messages.c.body_text,
                    store.messages.c.body_html,
                    store.messages.c.sms_text,
                    store.messages.c.subject,
                )
            )
        ).one()
    assert tuple(body) == (None, None, None, "Welcome")
    async with engine.connect() as conn:
        [again] = await messages.claim_due(
            conn, NOW + timedelta(days=9), NOW, POLICY, limit=10, lease=LEASE
        ) or [None]
    assert again is None


async def test_a_refused_write_does_not_copy_the_body_into_the_error(
    engine: AsyncEngine,
) -> None:  # architecture rule 6: no token in an error message or a log's traceback
    poisoned = rendered("tok-stored-1 \x00")  # PostgreSQL text refuses a NUL
    with pytest.raises(messages.MessageNotStored) as refused:
        async with engine.begin() as conn:
            await messages.add(conn, draft(), poisoned, cause=CAUSE, now=NOW)
    told = "".join(traceback.format_exception(refused.value))
    assert "tok-stored-1" not in told
    assert "while storing a message" in str(refused.value)
