"""The demo world: a provider of each program, families, authorizations."""

from __future__ import annotations

from pathlib import Path

from ccats.feed import publish_lines

DEMO_WORLD = Path(__file__).with_name("demo_world.jsonl")


async def load_demo(nats_url: str) -> int:
    """Publish the demo records through the bus, as the eligibility system would."""
    return await publish_lines(nats_url, DEMO_WORLD.read_text().splitlines())
