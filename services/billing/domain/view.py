"""The claim billing staff see: submitted children as they were submitted, the
others as computed now, and every day sent to a supplemental bill (BILL-2, BILL-9).

A submitted child's month never changes under the staff's eyes: its lines are the
ones stored at submission, and what came later is listed as supplemental.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from shared.policy import PolicyPack

from .claims.compute import compute_claim
from .claims.lines import ClaimLine, Supplemental
from .days import AttendanceDay
from .values import Absence, Attestation, AuthorizationPeriod, MonthFacts, ProviderTerms


@dataclass(frozen=True)
class Submission:
    """A child's month as submitted, kept as it was (BILL-2)."""

    child_id: str
    submitted_at: datetime
    lines: tuple[ClaimLine, ...]
    supplemental: tuple[Supplemental, ...]
    invoice: Decimal | None = None


@dataclass(frozen=True)
class ViewLine:
    line: ClaimLine
    status: str
    """`submitted` (kept from the submission) or `open` (computed now)."""


@dataclass(frozen=True)
class ClaimView:
    month: str
    provider: ProviderTerms
    status: str
    lines: tuple[ViewLine, ...]
    supplemental: tuple[Supplemental, ...]
    days: tuple[AttendanceDay, ...]
    authorizations: tuple[AuthorizationPeriod, ...]
    attestations: tuple[Attestation, ...] = ()
    submitted_at: Mapping[str, datetime] | None = None
    absences: tuple[Absence, ...] = ()

    @property
    def total_amount(self) -> Decimal | None:
        amounts = [v.line.amount for v in self.lines]
        if any(a is None for a in amounts):
            return None
        return sum((a for a in amounts if a is not None), Decimal(0))

    @property
    def payable_amount(self) -> Decimal:
        """BILL-8: nothing is payable while the provider is on hold."""
        if self.status == "held":
            return Decimal(0)
        return sum((v.line.amount or Decimal(0) for v in self.lines), Decimal(0))

    def child_name(self, child_id: str) -> str:
        return next((a.child_name for a in self.authorizations if a.child_id == child_id), child_id)


def claim_view(
    facts: MonthFacts,
    pack: PolicyPack,
    today: date,
    *,
    submissions: Mapping[str, Submission],
    later: Iterable[Supplemental] = (),
    attestations: Iterable[Attestation] = (),
) -> ClaimView:
    """Merge what was submitted with what is computed now."""
    result = compute_claim(facts, pack, today)
    lines = [ViewLine(line, "submitted") for s in submissions.values() for line in s.lines]
    lines += [ViewLine(line, "open") for line in result.lines if line.child_id not in submissions]
    lines.sort(key=lambda v: (v.line.child_id, v.line.authorization_id))
    supplemental = [s for sub in submissions.values() for s in sub.supplemental]
    supplemental += [s for s in result.supplemental if s.child_id not in submissions]
    supplemental += list(later)
    return ClaimView(
        month=facts.month,
        provider=facts.provider,
        status=claim_status(facts.provider, lines),
        lines=tuple(lines),
        supplemental=tuple(supplemental),
        days=result.days,
        authorizations=facts.authorizations,
        attestations=tuple(attestations),
        submitted_at={c: s.submitted_at for c, s in submissions.items()},
        absences=facts.absences,
    )


def claim_status(provider: ProviderTerms, lines: list[ViewLine]) -> str:
    """`held` while on hold (BILL-8); `submitted` once every child is; else `open`."""
    if provider.on_hold:
        return "held"
    if lines and all(v.status == "submitted" for v in lines):
        return "submitted"
    return "open"
