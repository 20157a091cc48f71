"""Who signed a tap: the credential is checked by identity (ID-4), never here.

The one place attendance talks to identity. Identity answers with the adult and
the children they may check in or out at the provider that day, with the cases
that allow each (ATT-6); a refusal (`pin_invalid`, `device_locked`) is passed on.
The checks of the taps that arrive together go in one request
(`identity.credential.verify_many`, through `shared.coalesce`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shared.coalesce import Coalescer
from shared.contract.errors import ErrorCode
from shared.contract.identity import (
    MAX_CREDENTIAL_CHECKS,
    CredentialVerifyManyRequest,
    CredentialVerifyReply,
    CredentialVerifyRequest,
)
from shared.contract.replies import RequestRefused
from shared.service import ServiceRuntime

VERIFY_TIMEOUT_SECONDS = 3.0
CHECKS_AT_ONCE = 1
"""Requests to identity under way at once; the taps that arrive meanwhile share the next."""
PASSED_ON = frozenset({ErrorCode.pin_invalid, ErrorCode.device_locked})


@dataclass(frozen=True)
class Signer:
    """The adult whose credential signed, and what they may sign for here."""

    person_id: str
    case_ids: frozenset[str]
    child_ids: frozenset[str]
    cases_by_child: dict[str, frozenset[str]]


class SignerCheck:
    """`await check(request)`: the signer of a tap, or the refusal to pass on. The
    request to identity carries the trace of the first tap of its batch."""

    def __init__(self, rt: ServiceRuntime) -> None:
        self._rt = rt
        self._checks = Coalescer(
            self._verify_many,
            name="attendance:credential checks",
            log=rt.log,
            max_batch=MAX_CREDENTIAL_CHECKS,
            batches=CHECKS_AT_ONCE,
        )
        self.close = self._checks.close

    async def __call__(self, request: CredentialVerifyRequest) -> Signer:
        return await self._checks(request)

    async def _verify_many(
        self, checks: list[CredentialVerifyRequest]
    ) -> list[Signer | RequestRefused]:
        request = CredentialVerifyManyRequest(checks=checks)
        try:
            body = await self._rt.request(
                request.subject, request.to_wire(), timeout=VERIFY_TIMEOUT_SECONDS
            )
            reply = json.loads(body or b"{}")
            answers = reply["answers"] if reply.get("ok") else None
        except Exception as exc:
            self._rt.log.warning("identity could not check credentials: %s", type(exc).__name__)
            answers = None
        if answers is None or len(answers) != len(checks):
            return [
                RequestRefused(
                    ErrorCode.service_unavailable, "The PIN could not be checked; try again."
                )
                for _ in checks
            ]
        return [signer_of(answer) for answer in answers]


def signer_of(answer: dict[str, Any]) -> Signer | RequestRefused:
    """Identity's answer for one check: the signer, or the refusal to give the kiosk."""
    if not answer.get("ok"):
        code = answer.get("error", {}).get("code")
        if code in PASSED_ON:
            return RequestRefused(ErrorCode(code), answer["error"].get("message", code))
        return RequestRefused(ErrorCode.service_unavailable, "The PIN could not be checked.")
    reply = CredentialVerifyReply.model_validate(answer)
    by_child = {c.child_id: frozenset(c.case_ids) for c in reply.children}
    return Signer(
        person_id=reply.adult.person_id,
        case_ids=frozenset().union(*by_child.values()) if by_child else frozenset(),
        child_ids=frozenset(by_child),
        cases_by_child=by_child,
    )
