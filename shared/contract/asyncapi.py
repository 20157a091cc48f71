"""The public contract as an AsyncAPI 3.0.0 document, built from the contract's models.

`asyncapi_document` is pure: it reads the models of `shared/contract/` (eligibility
records, events, requests, queries, replies, error codes), the dead-letter model
and the stream table, and returns a JSON-ready dict. Nothing in it is written by
hand except the transport notes (headers, the reply inbox, the scope parameters).
`ccats asyncapi -o docs/asyncapi.json` writes it; a unit test keeps that file in sync.

Channels are keyed by the subject, with each scope token named
(`kiosk.provider_id.tap` for the address `kiosk.{provider_id}.tap`). Operations are
from the services' side: they `receive` eligibility records, requests and queries
(and answer those on the requester's inbox, `reply`), and `send` events and dead
letters.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel
from pydantic.json_schema import models_json_schema

from shared.bus.deadletter import SECRET_FIELDS, DeadLetter
from shared.bus.streams import stream_for
from shared.contract import queries, subjects
from shared.contract.base import ContractModel
from shared.contract.eligibility import AuthorizationRecord, CaseRecord, ProviderRecord
from shared.contract.events import EVENTS_BY_SUBJECT
from shared.contract.replies import ErrorReply, OkReply
from shared.contract.requests import REQUESTS_BY_SUBJECT
from shared.contract.types import Id

ASYNCAPI_VERSION = "3.0.0"
TITLE = "ccats"
DESCRIPTION = (
    "ccats, the Child Care Attendance Tracking System, records the attendance of "
    "children in subsidized child care, keeps the authorizations pushed by the state "
    "eligibility system and turns both into providers' monthly claims, as five "
    "services on NATS (JetStream for records, events and dead letters; request/reply "
    "for requests and queries). "
    "A refused request answers `{ok: false, error: {code, message}}` where `code` is "
    "one of `components.schemas.ErrorCode`: error codes are stable and programs may "
    "branch on them, while messages are for a person and may be translated."
)

REF = "#/components/schemas/{model}"
"""Where every schema lives: `$defs` are hoisted into `components.schemas`."""

REPLY_CHANNEL = "reply"
"""The requester's inbox: NATS sends the answer to the reply subject of the request."""

DEADLETTER_CHANNEL = "deadletter"

Kind = Literal["record", "event", "request", "query", "deadletter"]

_KIND_DESCRIPTIONS: dict[str, str] = {
    "record": "A record pushed by the state eligibility system (JetStream).",
    "event": "An event the services publish (JetStream); consumers dedupe on `event_id`.",
    "request": "A NATS request; the answer is the reply model or an `ErrorReply`.",
    "query": "A read request (no change); the answer is the reply model or an `ErrorReply`.",
    "deadletter": "A message that could never be handled, parked with the reason.",
}

_SCOPE_PARAMETERS: dict[str, str] = {
    subjects.KIOSK_PREFIX: "provider_id",
    subjects.PROVIDER_PREFIX: "provider_id",
    subjects.PARENT_PREFIX: "person_id",
}
"""The name of the scope token of each scoped prefix (`kiosk.<provider_id>.tap`)."""

_PARAMETER_DESCRIPTIONS: dict[str, str] = {
    "provider_id": (
        "The provider's id: exactly one NATS token. NATS permissions on the subject "
        "decide who may send it; the service reads the scope from the subject, never "
        "from the body."
    ),
    "person_id": (
        "The adult's person id: exactly one NATS token. NATS permissions on the subject "
        "decide who may send it; the service reads the scope from the subject, never "
        "from the body."
    ),
    "subject": "The subject of the refused message, all its tokens (e.g. `eligibility.case`).",
}

ELIGIBILITY_RECORDS: dict[str, type[BaseModel]] = {
    subjects.ELIGIBILITY_PROVIDER: ProviderRecord,
    subjects.ELIGIBILITY_CASE: CaseRecord,
    subjects.ELIGIBILITY_AUTHORIZATION: AuthorizationRecord,
}
"""The records of the eligibility system, by subject (AUTH-1)."""


# --- replies of queries that do not name one ------------------------------


class AuthorizationVersion(ContractModel):
    """One version of an authorization as received, applied or not (AUTH-1)."""

    version: int
    applied: bool
    received_at: AwareDatetime
    event_id: Id | None = None


class AuthorizationGetReply(OkReply):
    """The authorization's current state (the record as received, without `event_id`)
    and every version received, oldest first."""

    authorization: AuthorizationRecord
    history: list[AuthorizationVersion]


_QUERY_REPLIES: dict[type[BaseModel], type[BaseModel]] = {
    queries.AuthorizationGet: AuthorizationGetReply,
}
"""Replies of queries whose class has no `reply_type` (the handler answers a dict)."""


def _queries() -> dict[str, type[BaseModel]]:
    """Subject -> model of every query: `queries.QUERIES` when the module has it."""
    declared = getattr(queries, "QUERIES", None)
    if declared is not None:
        return dict(declared)
    return {"authorization.get": queries.AuthorizationGet}


def _reply_of(model: type[BaseModel]) -> type[BaseModel]:
    reply = getattr(model, "reply_type", None)
    if isinstance(reply, type) and issubclass(reply, BaseModel):
        return reply
    return _QUERY_REPLIES.get(model, OkReply)


# --- the catalogue --------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    subject: str
    """The subject, or the subscription pattern (`*` for a scope token)."""
    kind: Kind
    model: type[BaseModel]
    reply: type[BaseModel] | None = None


SERVICE_CONTRACT_MODULES = ("identity", "attendance", "billing", "notify")
"""Modules of `shared.contract` with a service's own requests, each listed in a
module-level `*_REQUEST_TYPES` tuple of classes that name their `subject`."""


def service_requests() -> dict[str, type[BaseModel]]:
    """Subject -> model of the requests the services define beside the public ones."""
    found: dict[str, type[BaseModel]] = {}
    for name in SERVICE_CONTRACT_MODULES:
        try:
            module = importlib.import_module(f"shared.contract.{name}")
        except ModuleNotFoundError:
            continue
        for attribute, value in vars(module).items():
            if attribute.endswith("_REQUEST_TYPES"):
                found.update({cls.subject: cls for cls in value})
    return found


def _catalogue() -> list[_Entry]:
    entries = [_Entry(s, "record", m) for s, m in ELIGIBILITY_RECORDS.items()]
    entries += [_Entry(s, "event", m) for s, m in EVENTS_BY_SUBJECT.items()]
    entries += [_Entry(s, "request", m, _reply_of(m)) for s, m in REQUESTS_BY_SUBJECT.items()]
    entries += [_Entry(s, "request", m, _reply_of(m)) for s, m in service_requests().items()]
    entries += [_Entry(s, "query", m, _reply_of(m)) for s, m in _queries().items()]
    seen: dict[str, _Entry] = {}
    for entry in entries:
        if entry.subject in seen:
            raise ValueError(f"two contract entries on {entry.subject!r}")
        seen[entry.subject] = entry
    return sorted(entries, key=lambda e: e.subject)


def _address(subject: str) -> tuple[str, str, dict[str, str]]:
    """(channel id, address, parameter name -> description) of a subject or pattern."""
    tokens = subject.split(".")
    address: list[str] = []
    ident: list[str] = []
    parameters: dict[str, str] = {}
    for position, token in enumerate(tokens):
        if token == ">":
            raise ValueError(f"{subject!r}: a contract subject cannot end in '>'")
        if token != "*":
            address.append(token)
            ident.append(token)
            continue
        scope = _SCOPE_PARAMETERS.get(tokens[0]) if position == 1 else None
        name = scope or f"token{position}"
        if name in parameters:
            raise ValueError(f"{subject!r}: two scope tokens named {name!r}")
        parameters[name] = _PARAMETER_DESCRIPTIONS.get(name, "One NATS subject token.")
        address.append("{" + name + "}")
        ident.append(name)
    return ".".join(ident), ".".join(address), parameters


def _stream(subject: str) -> str | None:
    try:
        return stream_for(subject)
    except LookupError:
        return None


def _doc(model: type[BaseModel]) -> str:
    """The first paragraph of the model's own docstring, on one line."""
    text = inspect.cleandoc(model.__dict__.get("__doc__") or "")
    return " ".join(text.split("\n\n", 1)[0].split())


# --- schemas --------------------------------------------------------------

_TRACEPARENT = {
    "description": "W3C trace context of the sender (optional).",
    "type": "string",
}

_HEADER_SCHEMAS: dict[str, dict[str, Any]] = {
    "TraceHeaders": {
        "description": "NATS headers of a request, a reply or a dead letter.",
        "properties": {"traceparent": _TRACEPARENT},
        "type": "object",
    },
    "EventHeaders": {
        "description": "NATS headers of an event: `Nats-Msg-Id` lets JetStream drop a "
        "duplicate within the stream's duplicate window.",
        "properties": {
            "Nats-Msg-Id": {
                "description": "The event's `event_id`, always sent by the publisher.",
                "format": "uuid",
                "type": "string",
            },
            "traceparent": _TRACEPARENT,
        },
        "required": ["Nats-Msg-Id"],
        "type": "object",
    },
    "RecordHeaders": {
        "description": "NATS headers of an eligibility record.",
        "properties": {
            "Nats-Msg-Id": {
                "description": "Optional: lets JetStream drop a duplicate, and is the "
                "dedup key when the record has no `event_id`.",
                "type": "string",
            },
            "traceparent": _TRACEPARENT,
        },
        "type": "object",
    },
}

_HEADERS_OF_KIND: dict[str, str] = {
    "record": "RecordHeaders",
    "event": "EventHeaders",
    "request": "TraceHeaders",
    "query": "TraceHeaders",
    "deadletter": "TraceHeaders",
}


def _schemas(models: Iterable[type[BaseModel]]) -> dict[str, Any]:
    """Every model and what it uses, by name, with refs into `components.schemas`."""
    unique = sorted(set(models), key=lambda m: (m.__name__, m.__module__))
    refs, top = models_json_schema(
        [(model, "validation") for model in unique], by_alias=True, ref_template=REF
    )
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    for model in unique:
        ref = refs[(model, "validation")]["$ref"]
        if ref != REF.format(model=model.__name__):
            raise ValueError(f"two contract models are named {model.__name__}: rename one ({ref})")
    for name, schema in _HEADER_SCHEMAS.items():
        if name in schemas:
            raise ValueError(f"a contract model is named {name}, like a header schema")
        schemas[name] = schema
    return schemas


def _schema_ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


# --- the document ---------------------------------------------------------


def _message(model: type[BaseModel], kind: Kind) -> dict[str, Any]:
    message: dict[str, Any] = {
        "contentType": "application/json",
        "headers": {"$ref": REF.format(model=_HEADERS_OF_KIND[kind])},
        "name": model.__name__,
        "payload": _schema_ref(model),
        "title": model.__name__,
    }
    if summary := _doc(model):
        message["summary"] = summary
    return message


def _reply_message(reply: type[BaseModel]) -> dict[str, Any]:
    message: dict[str, Any] = {
        "contentType": "application/json",
        "headers": {"$ref": REF.format(model="TraceHeaders")},
        "name": reply.__name__,
        "payload": {"oneOf": [_schema_ref(reply), _schema_ref(ErrorReply)]},
        "summary": f"`{reply.__name__}` (`ok: true`), or `ErrorReply` (`ok: false`) "
        "with a stable error code.",
        "title": f"{reply.__name__} or ErrorReply",
    }
    return message


def _operation_id(action: str, channel_id: str) -> str:
    return f"{action}_{re.sub(r'[^A-Za-z0-9]+', '_', channel_id)}"


def asyncapi_document(version: str) -> dict[str, Any]:
    """The whole public contract as an AsyncAPI 3.0.0 document (JSON-ready, keys sorted).

    `version` is `info.version`, the version of the software that publishes it.
    """
    entries = _catalogue()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    reply_messages: dict[str, Any] = {}

    for entry in entries:
        channel_id, address, parameters = _address(entry.subject)
        name = entry.model.__name__
        if name in messages:
            raise ValueError(f"{name} is the body of two subjects")
        messages[name] = _message(entry.model, entry.kind)
        channel: dict[str, Any] = {
            "address": address,
            "description": _doc(entry.model) or _KIND_DESCRIPTIONS[entry.kind],
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            "summary": _KIND_DESCRIPTIONS[entry.kind],
        }
        if parameters:
            channel["parameters"] = {p: {"description": d} for p, d in parameters.items()}
        if (stream := _stream(entry.subject)) is not None:
            channel["x-jetstream-stream"] = stream
        channels[channel_id] = channel

        action = "send" if entry.kind == "event" else "receive"
        operation: dict[str, Any] = {
            "action": action,
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{name}"}],
            "summary": f"{'Publish' if action == 'send' else 'Handle'} `{entry.subject}`.",
            "tags": [{"name": entry.kind}],
        }
        if entry.reply is not None:
            reply_name = entry.reply.__name__
            reply_messages[reply_name] = _reply_message(entry.reply)
            operation["reply"] = {
                "channel": {"$ref": f"#/channels/{REPLY_CHANNEL}"},
                "messages": [{"$ref": f"#/channels/{REPLY_CHANNEL}/messages/{reply_name}"}],
            }
        operations[_operation_id(action, channel_id)] = operation

    overlap = set(messages) & set(reply_messages)
    if overlap:
        raise ValueError(f"a request body and a reply share a name: {sorted(overlap)}")
    messages.update(reply_messages)
    channels[REPLY_CHANNEL] = {
        "address": None,
        "description": "The requester's inbox (`_INBOX.<random>` by default): NATS sends "
        "the answer to the reply subject of the request, so the address is dynamic. Every "
        "answer is `{ok: true, ...}` or `{ok: false, error: {code, message}}`.",
        "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in reply_messages},
        "summary": "Answers to requests and queries.",
    }

    example = subjects.deadletter(subjects.ELIGIBILITY_CASE)
    messages[DeadLetter.__name__] = _message(DeadLetter, "deadletter")
    channels[DEADLETTER_CHANNEL] = {
        "address": f"{subjects.DEADLETTER_PREFIX}.{{subject}}",
        "description": "A JetStream message that was malformed, or failed on its last "
        "delivery, is published here under its own subject (e.g. "
        f"`{example}`) with the reason, and the consumer goes on. The body is kept as "
        "text with the values of its secret fields redacted ("
        + ", ".join(f"`{field}`" for field in sorted(SECRET_FIELDS))
        + ").",
        "messages": {DeadLetter.__name__: {"$ref": f"#/components/messages/{DeadLetter.__name__}"}},
        "parameters": {"subject": {"description": _PARAMETER_DESCRIPTIONS["subject"]}},
        "summary": _KIND_DESCRIPTIONS["deadletter"],
        "x-jetstream-stream": stream_for(example),
    }
    operations[_operation_id("send", DEADLETTER_CHANNEL)] = {
        "action": "send",
        "channel": {"$ref": f"#/channels/{DEADLETTER_CHANNEL}"},
        "messages": [{"$ref": f"#/channels/{DEADLETTER_CHANNEL}/messages/{DeadLetter.__name__}"}],
        "summary": "Park a message that can never be handled.",
        "tags": [{"name": "deadletter"}],
    }

    models: list[type[BaseModel]] = [ErrorReply, DeadLetter]
    for entry in entries:
        models.append(entry.model)
        if entry.reply is not None:
            models.append(entry.reply)
    schemas = _schemas(models)
    if "ErrorCode" not in schemas:  # pragma: no cover - ErrorReply always uses it
        raise ValueError("ErrorCode is missing from the schemas")

    document = {
        "asyncapi": ASYNCAPI_VERSION,
        "channels": channels,
        "components": {"messages": messages, "schemas": schemas},
        "defaultContentType": "application/json",
        "info": {"description": DESCRIPTION, "title": TITLE, "version": version},
        "operations": operations,
        "servers": {
            "embedded": {
                "description": "The embedded default of `ccats up`: 127.0.0.1 only, no "
                "users (another free port if 4222 is taken). A deployment uses its own "
                "NATS with one user per role, allowed only its own scopes (`deploy/`).",
                "host": "127.0.0.1:4222",
                "protocol": "nats",
            }
        },
    }
    return _sorted(document)


def _sorted(value: Any) -> Any:
    """A copy with every mapping's keys sorted (lists keep their order)."""
    if isinstance(value, Mapping):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list | tuple):
        return [_sorted(item) for item in value]
    return value


def asyncapi_json(version: str) -> str:
    """The document as committed: JSON, indent 2, sorted keys, trailing newline."""
    return json.dumps(asyncapi_document(version), indent=2, sort_keys=True) + "\n"
