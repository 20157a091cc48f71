"""`ccats status`: the answer of `ops.health`."""

from __future__ import annotations

import json
from typing import Any

import nats
from nats.errors import NoRespondersError, TimeoutError


async def status(nats_url: str, timeout: float = 5.0) -> dict[str, Any]:
    nc = await nats.connect(nats_url, connect_timeout=3, max_reconnect_attempts=1)
    try:
        reply = await nc.request("ops.health", b"{}", timeout=timeout)
        return json.loads(reply.data)
    except (NoRespondersError, TimeoutError):
        return {
            "ok": False,
            "error": {"code": "service_unavailable", "message": "no service answers ops.health"},
        }
    finally:
        await nc.close()
