"""Who signed a tap: the credential is checked by identity (ID-4), never here.

The one place attendance talks to identity. Identity answers with the adult and
the children they may check in or out at the provider that day, with the cases
that allow each (ATT-6); a refusal (`pin_invalid`, `device_locked`) is passed on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from shared.contract.errors import ErrorCode
from shared.contract.identity import CredentialVerifyReply, CredentialVerifyRequest
from shared.contract.replies import RequestRefused
from shared.contract.requests import Credential
from shared.service import ServiceRuntime

VERIFY_TIMEOUT_SECONDS = 3.0
PASSED_ON = frozenset({ErrorCode.pin_invalid, ErrorCode.device_locked})


@dataclass(frozen=True)
class Signer:
    """The adult whose credential signed, and what they may sign for here."""

    person_id: str
    case_ids: frozenset[str]
    child_ids: frozenset[str]
    cases_by_child: dict[str, frozenset[str]]


async def verify_signer(
    rt: ServiceRuntime,
    provider_id: str,
    device_id: str,
    credential: Credential,
    at: datetime | None = None,
) -> Signer:
    """Ask identity who the credential belongs to; refuse as identity refuses."""
    request = CredentialVerifyRequest(
        provider_id=provider_id,
        device_id=device_id,
        pin=credential.pin,
        phone=credential.phone,
        card=credential.card,
        at=at,
    )
    try:
        body = await rt.request(
            CredentialVerifyRequest.subject, request.to_wire(), timeout=VERIFY_TIMEOUT_SECONDS
        )
    except Exception as exc:
        raise RequestRefused(
            ErrorCode.service_unavailable, "The PIN could not be checked; try again."
        ) from exc
    answer = json.loads(body or b"{}")
    if not answer.get("ok"):
        code = answer.get("error", {}).get("code")
        if code in PASSED_ON:
            raise RequestRefused(ErrorCode(code), answer["error"].get("message", code))
        raise RequestRefused(ErrorCode.service_unavailable, "The PIN could not be checked.")
    reply = CredentialVerifyReply.model_validate(answer)
    by_child = {c.child_id: frozenset(c.case_ids) for c in reply.children}
    return Signer(
        person_id=reply.adult.person_id,
        case_ids=frozenset().union(*by_child.values()) if by_child else frozenset(),
        child_ids=frozenset(by_child),
        cases_by_child=by_child,
    )
