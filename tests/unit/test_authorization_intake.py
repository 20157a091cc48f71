"""What the eligibility consumer reads of each message without nats-py's full
metadata, and the event ids it gives announcements (AUTH-1)."""

from __future__ import annotations

from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st
from nats.aio.msg import Msg

from services.authorization.announce import event_ids
from shared.batch_consumer import stream_position

NAMES = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_-0123456789", min_size=1, max_size=12)
NUMBERS = st.integers(min_value=1, max_value=2**63)


def message(reply: str) -> Msg:
    return Msg(_client=None, subject="eligibility.case", reply=reply, data=b"{}")  # type: ignore[arg-type]


@given(stream=NAMES, consumer=NAMES, delivered=NUMBERS, sequence=NUMBERS, pending=NUMBERS)
def test_the_stream_position_is_the_one_nats_reports(
    stream: str, consumer: str, delivered: int, sequence: int, pending: int
) -> None:
    # AUTH-1: the place in the eligibility stream orders pushes and names a push
    # without an event id, in both forms of JetStream's reply subject
    tail = f"{delivered}.{sequence}.7.1764000000000000000.{pending}"
    for reply in (
        f"$JS.ACK.{stream}.{consumer}.{tail}",
        f"$JS.ACK._.ACCOUNTHASH.{stream}.{consumer}.{tail}.RANDOM",
        f"$JS.ACK.hub.ACCOUNTHASH.{stream}.{consumer}.{tail}",
    ):
        msg = message(reply)
        meta = msg.metadata
        assert stream_position(msg) == (meta.stream, meta.sequence.stream) == (stream, sequence)


def test_announcement_ids_are_distinct_random_uuids() -> None:
    # AUTH-1: every announcement is its own event, with its own id
    ids = event_ids(5000)
    assert len(set(ids)) == 5000
    for text in ids:
        uuid = UUID(text)
        assert (uuid.version, uuid.variant, str(uuid)) == (4, "specified in RFC 4122", text)
    assert event_ids(0) == []
