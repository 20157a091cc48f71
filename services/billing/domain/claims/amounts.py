"""Pricing a line: units times the provider's rate for the care level and unit,
and for programs that say so, the lesser of that ceiling and the provider's
invoice (BILL-7). Money is rounded to the cent, half up."""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from shared.policy import PolicyPack

from ..values import ProviderTerms
from .lines import ClaimLine

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def priced(line: ClaimLine, care_level: str, provider: ProviderTerms) -> ClaimLine:
    """The line with its rate and ceiling; `amount` is `None` where no rate is known."""
    rate = provider.rate_for(care_level, line.unit)
    if rate is None:
        return replace(line, rate=None, ceiling=None, amount=None)
    ceiling = money(line.units * rate)
    return replace(line, rate=rate, ceiling=ceiling, amount=ceiling)


def capped_by_invoice(
    lines: list[ClaimLine], invoice: Decimal | None, pack: PolicyPack
) -> list[ClaimLine]:
    """A child's lines with the amount the lesser of ceiling and invoice (BILL-7).

    The invoice covers the child's whole month; with two authorizations in the month
    it is spent on the lines in order, each taking at most its ceiling.
    """
    policy = pack.billing.certified_hours
    if invoice is None or policy is None or not policy.capped_by_invoice:
        return lines
    left = money(invoice)
    capped = []
    for line in lines:
        if line.ceiling is None:
            capped.append(replace(line, invoice=invoice))
            continue
        amount = min(line.ceiling, left)
        left -= amount
        capped.append(replace(line, invoice=invoice, amount=amount))
    return capped
