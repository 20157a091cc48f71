"""The AsyncAPI document of the public contract: generated, committed, complete, safe."""

import json
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # runnable with --noconftest

import pytest
from pydantic import SecretStr

from ccats.asyncapi_cmd import asyncapi_text, contract_version, write_asyncapi
from shared.bus.streams import stream_for
from shared.contract import queries, subjects
from shared.contract.asyncapi import asyncapi_document
from shared.contract.errors import ErrorCode
from shared.contract.events import EVENTS_BY_SUBJECT
from shared.contract.requests import REQUESTS_BY_SUBJECT
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "asyncapi.json"
REGENERATE = "run `ccats asyncapi -o docs/asyncapi.json`"

ELIGIBILITY = (
    subjects.ELIGIBILITY_PROVIDER,
    subjects.ELIGIBILITY_CASE,
    subjects.ELIGIBILITY_AUTHORIZATION,
)
QUERY_SUBJECTS = ("authorization.get", *getattr(queries, "QUERIES", {}))
COMPONENT_KEY = re.compile(r"^[a-zA-Z0-9.\-_]+$")


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return asyncapi_document(contract_version())


def _walk(node: Any, path: str = "#"):
    """Every (json pointer, mapping) of the document."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            escaped = str(key).replace("~", "~0").replace("/", "~1")
            yield from _walk(value, f"{path}/{escaped}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}/{index}")


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} points outside the document"
    node: Any = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def _pattern(address: str) -> str:
    """`kiosk.{provider_id}.tap` -> `kiosk.*.tap`, the form the code subscribes to."""
    return re.sub(r"\{[^}]+\}", "*", address)


def _subjects(doc: dict[str, Any]) -> set[str]:
    return {
        _pattern(channel["address"])
        for channel in doc["channels"].values()
        if channel["address"] is not None
    }


# --- in sync --------------------------------------------------------------


def test_committed_document_is_the_generated_one() -> None:
    if not COMMITTED.exists():
        pytest.fail(f"docs/asyncapi.json is missing: {REGENERATE}")
    if COMMITTED.read_text(encoding="utf-8") != asyncapi_text():
        pytest.fail(f"docs/asyncapi.json is not what the code generates: {REGENERATE}")


def test_generation_is_deterministic_and_sorted(doc: dict[str, Any]) -> None:
    again = asyncapi_document(contract_version())
    assert again == doc
    assert json.dumps(doc) == json.dumps(doc, sort_keys=True)
    assert asyncapi_text().endswith("}\n")
    assert asyncapi_document("9.9.9")["info"]["version"] == "9.9.9"


def test_write_asyncapi_writes_the_document(tmp_path: Path) -> None:
    target = tmp_path / "out" / "asyncapi.json"
    write_asyncapi(target)
    text = target.read_text(encoding="utf-8")
    assert text == asyncapi_text()
    assert json.loads(text)["asyncapi"] == "3.0.0"
    assert text.startswith('{\n  "asyncapi"')


# --- complete -------------------------------------------------------------


def test_every_contract_subject_is_a_channel(doc: dict[str, Any]) -> None:
    present = _subjects(doc)
    expected = {*EVENTS_BY_SUBJECT, *REQUESTS_BY_SUBJECT, *ELIGIBILITY, *QUERY_SUBJECTS}
    assert expected - present == set()
    assert f"{subjects.DEADLETTER_PREFIX}.*" in present


def test_scoped_subjects_are_parameterized(doc: dict[str, Any]) -> None:
    channels = {c["address"]: c for c in doc["channels"].values() if c["address"]}
    tap = channels["kiosk.{provider_id}.tap"]
    assert set(tap["parameters"]) == {"provider_id"}
    assert "parent.{person_id}.pending.list" in channels
    assert "provider.{provider_id}.month.submit" in channels
    assert not any("*" in address or ">" in address for address in channels)


def test_operations_face_the_right_way(doc: dict[str, Any]) -> None:
    by_channel: dict[str, dict[str, Any]] = {}
    for operation in doc["operations"].values():
        channel = _resolve(doc, operation["channel"]["$ref"])
        if channel["address"] is not None:
            by_channel[_pattern(channel["address"])] = operation
    for subject in EVENTS_BY_SUBJECT:
        assert by_channel[subject]["action"] == "send", subject
        assert "reply" not in by_channel[subject], subject
    for subject in ELIGIBILITY:
        assert by_channel[subject]["action"] == "receive", subject
        assert "reply" not in by_channel[subject], subject
    for subject in (*REQUESTS_BY_SUBJECT, *QUERY_SUBJECTS):
        assert by_channel[subject]["action"] == "receive", subject
        assert "reply" in by_channel[subject], subject
    assert by_channel[f"{subjects.DEADLETTER_PREFIX}.*"]["action"] == "send"


def test_replies_are_the_reply_model_or_an_error(doc: dict[str, Any]) -> None:
    for name, operation in doc["operations"].items():
        for ref in operation.get("reply", {}).get("messages", []):
            message = _resolve(doc, ref["$ref"])
            if "$ref" in message:
                message = _resolve(doc, message["$ref"])
            options = [o["$ref"] for o in message["payload"]["oneOf"]]
            assert len(options) == 2, name
            assert options[1] == "#/components/schemas/ErrorReply", name
    tap = doc["operations"]["receive_kiosk_provider_id_tap"]["reply"]["messages"][0]
    assert tap["$ref"].endswith("/TapReply")


def test_jetstream_channels_name_their_stream(doc: dict[str, Any]) -> None:
    for channel_id, channel in doc["channels"].items():
        address = channel["address"]
        if address is None:
            assert "x-jetstream-stream" not in channel
            continue
        subject = _pattern(address)
        if subject in EVENTS_BY_SUBJECT or subject in ELIGIBILITY:
            assert channel["x-jetstream-stream"] == stream_for(subject), channel_id
        if subject in REQUESTS_BY_SUBJECT or subject in QUERY_SUBJECTS:
            # a stream capturing a request subject would answer it with a PubAck
            assert "x-jetstream-stream" not in channel, channel_id
    assert doc["channels"]["deadletter"]["x-jetstream-stream"] == "DEADLETTER"


def test_event_messages_document_nats_msg_id(doc: dict[str, Any]) -> None:
    messages = doc["components"]["messages"]
    for cls in EVENTS_BY_SUBJECT.values():
        headers = _resolve(doc, messages[cls.__name__]["headers"]["$ref"])
        assert "Nats-Msg-Id" in headers["properties"], cls.__name__
        assert "Nats-Msg-Id" in headers["required"], cls.__name__


def test_error_codes_are_all_listed(doc: dict[str, Any]) -> None:
    listed = doc["components"]["schemas"]["ErrorCode"]["enum"]
    assert listed == [code.value for code in ErrorCode]
    assert "stable" in doc["info"]["description"]


# --- safe -----------------------------------------------------------------


def test_no_pin_example_or_secret_value(doc: dict[str, Any]) -> None:
    text = json.dumps(doc)
    for pointer, node in _walk(doc):
        if node.get("format") == "password" or node.get("writeOnly") is True:
            leaked = {"example", "examples", "default", "const", "enum"} & set(node)
            assert not leaked, f"{pointer} shows {leaked}"
        properties = node.get("properties")
        if node.get("type") == "object" and isinstance(properties, dict):
            for name in ("pin", "pin_confirm"):
                if name in properties:
                    assert properties[name].get("writeOnly") is True, f"{pointer}/{name}"
    assert not re.search(r"\d{6,}", text), "a PIN-like digit string is in the document"
    assert "**********" not in text
    settings = Settings()
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr) and value.get_secret_value():
            assert value.get_secret_value() not in text, f"the value of {name} leaked"


# --- well formed ----------------------------------------------------------


def test_every_ref_resolves(doc: dict[str, Any]) -> None:
    refs = [(p, n["$ref"]) for p, n in _walk(doc) if isinstance(n.get("$ref"), str)]
    assert refs
    for pointer, ref in refs:
        assert ref.startswith("#/"), f"{pointer}: {ref} points outside the document"
        _resolve(doc, ref)


def test_document_is_structurally_asyncapi_3(doc: dict[str, Any]) -> None:
    assert doc["asyncapi"] == "3.0.0"
    info = doc["info"]
    assert isinstance(info["title"], str) and info["title"]
    assert isinstance(info["version"], str) and info["version"]
    assert set(doc) <= {
        "asyncapi",
        "id",
        "info",
        "servers",
        "defaultContentType",
        "channels",
        "operations",
        "components",
    }
    for kind in ("schemas", "messages"):
        for key in doc["components"][kind]:
            assert COMPONENT_KEY.match(key), key
    for channel_id, channel in doc["channels"].items():
        address = channel["address"]
        assert address is None or isinstance(address, str), channel_id
        named = set(re.findall(r"\{([^}]+)\}", address or ""))
        assert named == set(channel.get("parameters", {})), channel_id
        for message in channel["messages"].values():
            _resolve(doc, message["$ref"])
    for name, operation in doc["operations"].items():
        assert operation["action"] in ("send", "receive"), name
        channel_ref = operation["channel"]["$ref"]
        assert channel_ref.startswith("#/channels/"), name
        _resolve(doc, channel_ref)
        assert operation["messages"], name
        for message in operation["messages"]:
            assert message["$ref"].startswith(f"{channel_ref}/messages/"), name
            _resolve(doc, message["$ref"])
        if "reply" in operation:
            reply_ref = operation["reply"]["channel"]["$ref"]
            _resolve(doc, reply_ref)
            for message in operation["reply"]["messages"]:
                assert message["$ref"].startswith(f"{reply_ref}/messages/"), name
                _resolve(doc, message["$ref"])
    for name, message in doc["components"]["messages"].items():
        payload = message["payload"]
        refs = [payload] if "$ref" in payload else payload["oneOf"]
        for ref in refs:
            _resolve(doc, ref["$ref"])
        headers = _resolve(doc, message["headers"]["$ref"])
        assert headers["type"] == "object", name
