"""Render `accounts.conf`: the NATS users of ccats and what each may send (ID-7).

One account, `CCATS`, with JetStream. A user per role, and per provider or
person where the scope is in the subject (contract, "Who may send what"):

- each service may publish its own `<service>.>` subjects (its events), dead
  letters, `ops.>` and the read queries; it subscribes to the requests it
  answers; it may consume the event streams, except that only notify reads the
  IDENTITY stream, which carries set-PIN link tokens (architecture rule 6);
  stream changes are left to the bootstrap user (`ccats migrate`);
- the eligibility system alone may publish `eligibility.>` (AUTH-1);
- attendance and billing may also ask identity the internal requests that check
  a tap's credential and an operator (`INTERNAL_REQUESTS`);
- a kiosk user per provider may publish `kiosk.<provider>.>` only, a provider
  portal user `provider.<provider>.>` (its administrators and operators; identity
  checks the acting operator's role), a parent user `parent.<person>.>` and
  `identity.pin.set`; these users receive replies only on a private inbox,
  `_INBOX.<user>` (the client sets it as its inbox prefix), so no one reads
  the replies of another provider or person;
- the operator (system administrator) sends `ops.>` and the read queries and may
  inspect streams and dead letters; billing staff (region administrators) ask for
  claims and reports and read the `ccats-reports` object store.

Which user each role of ID-7 connects as is `ROLES`.

No password is written here: each user's password is `$CCATS_NATS_PASSWORD_<USER>`,
which nats-server takes from its environment.

    python deploy/nats/render.py --provider P1 --person A1 > deploy/nats/accounts.conf
    python deploy/nats/render.py --provider P1 --person A1 --variables
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

ACCOUNT = "CCATS"
SERVICES = ("identity", "authorization", "attendance", "billing", "notify")

EVENT_STREAMS = (
    "ELIGIBILITY",
    "AUTHORIZATION",
    "IDENTITY",
    "IDENTITY_CARDS",
    "ATTENDANCE",
    "BILLING",
    "NOTIFY",
    "DEADLETTER",
)
"""The streams `ccats migrate` declares (shared/bus/streams.py)."""

LINK_TOKEN_STREAM = "IDENTITY"
"""Carries `PinSetLinkIssued` with its link token: read by notify alone."""

REPORTS_BUCKET = "ccats-reports"
REPORTS_STREAM = f"OBJ_{REPORTS_BUCKET}"

QUERIES = ("authorization.get", "billing.claim.get", "billing.report")
"""Read requests the operator and the services may send."""

INTERNAL_REQUESTS: Mapping[str, tuple[str, ...]] = {
    "attendance": (
        "identity.credential.verify",
        "identity.credential.verify_many",
        "identity.operator.verify",
    ),
    "billing": ("identity.operator.verify",),
}
"""Requests one service sends another: attendance has identity check each tap's
credential (ID-4) and the operator named on a record (ID-7); billing the operator
who submits a month."""

ROLES: Mapping[str, str] = {
    "system_admin": "operator",
    "region_admin": "billing-staff",
    "provider_admin": "provider-{provider}",
    "provider_operator": "provider-{provider}",
    "parent": "parent-{person}",
    "delegate": "parent-{person}",
}
"""The NATS user each role of ID-7 connects as. A provider's administrators and
operators share its portal user: the scope is the provider, and identity checks
the acting `operator_id`'s role for what only administrators may do (creating
and ending operators). A kiosk is a device, not a role: `kiosk-{provider}`."""

SERVES: Mapping[str, tuple[str, ...]] = {
    "identity": ("kiosk.*.>", "provider.*.>", "parent.*.>"),
    "authorization": (),
    "attendance": ("kiosk.*.>", "provider.*.>", "parent.*.>"),
    "billing": ("provider.*.>",),
    "notify": (),
}
"""Scoped request subjects each service answers, beside `<service>.>` and `ops.>`."""

PASSWORD_PREFIX = "CCATS_NATS_PASSWORD_"
_ID = re.compile(r"^[A-Za-z0-9_-]+$")

_JS_DISCOVERY = (
    "$JS.API.INFO",
    "$JS.API.STREAM.NAMES",
    "$JS.API.STREAM.LIST",
    "$JS.API.STREAM.INFO.*",
)


@dataclass(frozen=True)
class User:
    name: str
    role: str
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    allow_responses: bool = False


def password_variable(user: str) -> str:
    """The environment variable holding `user`'s password: `kiosk-P1` -> `..._KIOSK_P1`."""
    return PASSWORD_PREFIX + re.sub(r"[^A-Z0-9]", "_", user.upper())


def private_inbox(user: str) -> str:
    """The inbox prefix a device or person user must connect with."""
    return f"_INBOX.{user}"


def _consume(stream: str) -> tuple[str, ...]:
    """Create, read and delete consumers of `stream`, fetch, ack, and get single messages."""
    return (
        f"$JS.API.CONSUMER.*.{stream}",
        f"$JS.API.CONSUMER.*.{stream}.>",
        f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.>",
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.>",
        f"$JS.API.DIRECT.GET.{stream}",
        f"$JS.API.DIRECT.GET.{stream}.>",
        f"$JS.API.STREAM.MSG.GET.{stream}",
        f"$JS.ACK.{stream}.>",
        f"$JS.FC.{stream}.>",
    )


def _reports_writer() -> tuple[str, ...]:
    return (
        f"$O.{REPORTS_BUCKET}.>",
        f"$JS.API.STREAM.CREATE.{REPORTS_STREAM}",
        f"$JS.API.STREAM.UPDATE.{REPORTS_STREAM}",
        f"$JS.API.STREAM.PURGE.{REPORTS_STREAM}",
        f"$JS.API.STREAM.MSG.DELETE.{REPORTS_STREAM}",
    )


def user_for(role: str, *, provider: str = "", person: str = "") -> str:
    """The NATS user of a role (ID-7), for a provider or person where it is scoped."""
    return ROLES[role].format(provider=provider, person=person)


def service_user(name: str) -> User:
    reads = [s for s in EVENT_STREAMS if s != LINK_TOKEN_STREAM or name == "notify"]
    publish = [
        f"{name}.>",
        "deadletter.>",
        "ops.>",
        *QUERIES,
        *INTERNAL_REQUESTS.get(name, ()),
        *_JS_DISCOVERY,
    ]
    if name == "billing":
        reads.append(REPORTS_STREAM)
        publish.extend(_reports_writer())
    for stream in reads:
        publish.extend(_consume(stream))
    subscribe = (
        f"{name}.>",
        "ops.>",
        *SERVES[name],
        "_INBOX.>",
        "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>",
    )
    return User(name, f"{name} service", tuple(publish), subscribe, allow_responses=True)


def _scoped_id(value: str, what: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"{what} {value!r} must be one subject token of [A-Za-z0-9_-]")
    return value


def users(provider_ids: Iterable[str], person_ids: Iterable[str]) -> list[User]:
    """Every user of the account, for these providers and persons."""
    result = [service_user(name) for name in SERVICES]
    result += [
        User(
            "migrate",
            "bootstrap (`ccats migrate`): declares streams",
            ("$JS.API.>",),
            ("_INBOX.>",),
        ),
        User("eligibility", "the state eligibility system", ("eligibility.>",), ("_INBOX.>",)),
        User(
            "operator",
            "system administrator (operations): ops requests, read queries, stream and "
            "dead-letter inspection",
            (
                "ops.>",
                *QUERIES,
                *_JS_DISCOVERY,
                "$JS.API.CONSUMER.INFO.*.*",
                "$JS.API.CONSUMER.NAMES.*",
                "$JS.API.CONSUMER.LIST.*",
                *_consume("DEADLETTER"),
            ),
            ("_INBOX.>",),
        ),
        User(
            "billing-staff",
            "region administrator (billing staff): claims, reports, the reports object "
            "store (read)",
            (
                "billing.claim.get",
                "billing.report",
                "$JS.API.INFO",
                "$JS.API.STREAM.NAMES",
                f"$JS.API.STREAM.INFO.{REPORTS_STREAM}",
                *_consume(REPORTS_STREAM),
            ),
            ("_INBOX.>",),
        ),
    ]
    for raw in provider_ids:
        provider = _scoped_id(raw, "provider id")
        for role, prefix in (
            ("kiosk", "kiosk"),
            ("provider portal (administrators and operators)", "provider"),
        ):
            name = f"{prefix}-{provider}"
            result.append(
                User(
                    name,
                    f"{role} of provider {provider}",
                    (f"{prefix}.{provider}.>",),
                    (f"{private_inbox(name)}.>",),
                )
            )
    for raw in person_ids:
        person = _scoped_id(raw, "person id")
        name = f"parent-{person}"
        result.append(
            User(
                name,
                f"parent or delegate {person}",
                (f"parent.{person}.>", "identity.pin.set"),
                (f"{private_inbox(name)}.>",),
            )
        )
    _check_unique(result)
    return result


def user_names(provider_ids: Iterable[str], person_ids: Iterable[str]) -> list[str]:
    return [u.name for u in users(provider_ids, person_ids)]


def _check_unique(all_users: Sequence[User]) -> None:
    seen: dict[str, str] = {}
    for user in all_users:
        variable = password_variable(user.name)
        if variable in seen:
            raise ValueError(f"users {seen[variable]!r} and {user.name!r} share {variable}")
        seen[variable] = user.name


def _list(items: Sequence[str], indent: str) -> str:
    inner = "".join(f"{indent}  {json.dumps(item)}\n" for item in items)
    return f"[\n{inner}{indent}]"


def _render_user(user: User, variable: str) -> str:
    pad = " " * 6
    lines = [
        f"{pad}# {user.role}",
        f"{pad}{{",
        f"{pad}  user: {json.dumps(user.name)}",
        f"{pad}  password: ${variable}",
        f"{pad}  permissions: {{",
        f"{pad}    publish: {{ allow: {_list(user.publish, pad + '    ')} }}",
        f"{pad}    subscribe: {{ allow: {_list(user.subscribe, pad + '    ')} }}",
    ]
    if user.allow_responses:
        lines.append(f"{pad}    allow_responses: true")
    lines += [f"{pad}  }}", f"{pad}}}"]
    return "\n".join(lines)


def render_accounts(
    provider_ids: Iterable[str],
    person_ids: Iterable[str],
    passwords: Mapping[str, str] | None = None,
) -> str:
    """The `accounts.conf` text for these providers and persons.

    `passwords` names the environment variable holding a user's password, by
    user name; a user not named there uses `password_variable(user)`. Only
    variable names are written, never a password.
    """
    providers, persons = list(provider_ids), list(person_ids)
    chosen = dict(passwords or {})
    all_users = users(providers, persons)
    unknown = set(chosen) - {u.name for u in all_users}
    if unknown:
        raise ValueError(f"passwords for unknown users: {sorted(unknown)}")
    for variable in chosen.values():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", variable):
            raise ValueError(f"{variable!r} is not an environment variable name")
    body = "\n".join(
        _render_user(u, chosen.get(u.name, password_variable(u.name))) for u in all_users
    )
    return (
        "# Generated by deploy/nats/render.py; do not edit by hand.\n"
        f"# Providers: {', '.join(providers) or '-'}. Persons: {', '.join(persons) or '-'}.\n"
        "# Each $VARIABLE is a password nats-server reads from its environment.\n"
        "accounts {\n"
        f"  {ACCOUNT} {{\n"
        "    jetstream: enabled\n"
        "    users: [\n"
        f"{body}\n"
        "    ]\n"
        "  }\n"
        "}\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--provider", action="append", default=[], help="a provider id")
    parser.add_argument("--person", action="append", default=[], help="a parent's person id")
    parser.add_argument(
        "--variables", action="store_true", help="print the password variables, one a line"
    )
    args = parser.parse_args(argv)
    if args.variables:
        names = user_names(args.provider, args.person)
        sys.stdout.write("".join(f"{password_variable(n)}\n" for n in names))
    else:
        sys.stdout.write(render_accounts(args.provider, args.person))
    return 0


if __name__ == "__main__":
    sys.exit(main())
