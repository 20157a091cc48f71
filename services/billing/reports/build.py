"""The four reports of a provider's month as documents (BILL-9, ATT-9)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from shared.contract.requests import Claim

from ..domain.days import AttendanceDay
from ..domain.view import ClaimView
from .document import ReportDocument, Section, Signature, Table

KINDS = ("claim", "attendance_per_student", "monthly_record", "supplemental")

TITLES = {
    "claim": "Claim for payment",
    "attendance_per_student": "Attendance Per Student",
    "monthly_record": "Monthly attendance record",
    "supplemental": "Supplemental billing",
}

ATTESTATION = (
    "We attest under penalty of perjury that the dates and the times the child entered "
    "and left care shown above are accurate."
)
CERTIFICATION = (
    "I certify that the care claimed above was provided as recorded, and that the "
    "attendance it is based on is true and complete."
)


def build_report(
    kind: str, view: ClaimView, claim: Claim, generated_at: datetime
) -> ReportDocument:
    builders = {
        "claim": _claim,
        "attendance_per_student": _attendance_per_student,
        "monthly_record": _monthly_record,
        "supplemental": _supplemental,
    }
    if kind not in builders:
        raise ValueError(f"unknown report kind {kind!r}")
    return builders[kind](view, claim, generated_at)


# --- shared pieces ---------------------------------------------------------------


def _heading(view: ClaimView, claim: Claim, generated_at: datetime) -> tuple[tuple[str, str], ...]:
    provider = view.provider
    heading = [
        (
            "Provider",
            f"{provider.name} ({provider.provider_id})" if provider.name else provider.provider_id,
        ),
        ("Program", provider.program),
        ("Month", view.month),
        ("Claim status", claim.status),
        ("Generated", generated_at.strftime("%Y-%m-%d %H:%M %Z").strip()),
    ]
    if claim.submit_by is not None:
        heading.insert(4, ("Submit by", claim.submit_by.isoformat()))
    return tuple(heading)


def _hhmm(moment: datetime | None) -> str:
    return moment.strftime("%H:%M") if moment is not None else ""


def _num(value: Decimal | float | None) -> str:
    """Units without trailing zeros: `1`, `0.5`, `7.25`."""
    if value is None:
        return ""
    return f"{Decimal(str(value)).normalize():f}"


def _hours(value: Decimal) -> str:
    return f"{value:.2f}"


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _children(view: ClaimView) -> list[str]:
    found = {v.line.child_id for v in view.lines} | {d.child_id for d in view.days}
    found |= {a.child_id for a in view.absences}
    return sorted(found, key=lambda c: (view.child_name(c), c))


def _child_facts(view: ClaimView, child_id: str) -> list[tuple[str, str]]:
    periods = [a for a in view.authorizations if a.child_id == child_id]
    facts = [("Child ID", child_id)]
    if periods:
        birth = periods[0].birth_date
        facts.append(("Birth date", birth.isoformat()))
        facts.append(("Age on the 1st (AUTH-4)", f"{periods[0].age_for(view.month)} months"))
    for period in sorted(periods, key=lambda p: p.start_date):
        facts.append(
            (
                f"Authorization {period.authorization_id}",
                f"{period.start_date.isoformat()} to {period.end_date.isoformat()}, "
                f"{period.care_level}, {period.schedule.kind} schedule, case {period.case_id}",
            )
        )
    submitted = (view.submitted_at or {}).get(child_id)
    if submitted is not None:
        facts.append(("Submitted", submitted.strftime("%Y-%m-%d %H:%M %Z").strip()))
    return facts


def _days_of(view: ClaimView, child_id: str) -> dict[date, list[AttendanceDay]]:
    days: dict[date, list[AttendanceDay]] = defaultdict(list)
    for day in view.days:
        if day.child_id == child_id:
            days[day.day].append(day)
    return days


def _items_of(claim: Claim, child_id: str) -> dict[date, list]:
    items: dict[date, list] = defaultdict(list)
    for line in claim.lines:
        if line.child_id == child_id:
            for item in line.items:
                items[item.date].append(item)
    return items


class Visit(NamedTuple):
    """One check-in and its check-out, in the provider's local time."""

    check_in: datetime | None
    check_out: datetime | None
    minutes: int
    error: str | None
    record_ids: tuple[str, ...]


def _visits(view: ClaimView, days: Iterable[AttendanceDay]) -> list[Visit]:
    zone = ZoneInfo(view.provider.timezone)
    visits = []
    for day in days:
        for pair in day.pairs:
            marks = [m for m in (pair.check_in, pair.check_out) if m is not None]
            visits.append(
                Visit(
                    pair.check_in.occurred_at.astimezone(zone) if pair.check_in else None,
                    pair.check_out.occurred_at.astimezone(zone) if pair.check_out else None,
                    round(pair.minutes or 0),
                    pair.error.value if pair.error else None,
                    tuple(m.record_id for m in marks),
                )
            )
    return sorted(visits, key=lambda v: (v.check_in or v.check_out) or datetime.min)


def _day_state(days: list[AttendanceDay]) -> str:
    errors = sorted({e for d in days for e in d.errors})
    if errors:
        return ", ".join(e.replace("_", " ") for e in errors)
    if any(d.expired for d in days):
        return "expired (manual bill)"
    if any(d.pending for d in days):
        return "pending"
    return "present"


# --- the claim -------------------------------------------------------------------


def _claim(view: ClaimView, claim: Claim, generated_at: datetime) -> ReportDocument:
    sections = []
    csv_rows = []
    names = {c: view.child_name(c) for c in _children(view)}
    for line in claim.lines:
        days = _days_of(view, line.child_id)
        rows = []
        hours = Decimal(0)
        for item in line.items:
            visits = _visits(view, days.get(item.date, []))
            day_hours = sum((Decimal(v.minutes) / 60 for v in visits), Decimal(0))
            hours += day_hours
            rows.append(
                (
                    item.date.isoformat(),
                    " ".join(_hhmm(v.check_in) for v in visits),
                    " ".join(_hhmm(v.check_out) for v in visits),
                    _hours(day_hours) if day_hours else "",
                    _num(item.units),
                    item.rule,
                    item.basis or "",
                )
            )
            csv_rows.append(
                (
                    line.child_id,
                    names.get(line.child_id, line.child_id),
                    line.authorization_id,
                    line.status,
                    line.unit,
                    item.date.isoformat(),
                    _num(item.units),
                    item.rule,
                    item.basis or "",
                    " ".join(item.record_ids),
                    _num(line.units),
                    _money(line.amount),
                )
            )
        facts = _child_facts(view, line.child_id)
        facts += [
            ("Authorization billed", line.authorization_id),
            ("Line status", line.status),
            ("Unit", line.unit),
            ("Rate", _money(line.rate)),
            ("Ceiling", _money(line.ceiling)),
        ]
        if line.invoice is not None:
            facts.append(("Provider invoice", _money(line.invoice)))
        facts.append(("Amount", _money(line.amount) or "no rate known"))
        sections.append(
            Section(
                title=f"{names.get(line.child_id, line.child_id)}",
                facts=tuple(facts),
                table=Table(
                    ("Date", "In", "Out", "Hours", f"Units ({line.unit})", "Rule", "Basis"),
                    tuple(rows),
                    totals=(
                        "Total",
                        "",
                        "",
                        _hours(hours),
                        _num(line.units),
                        "",
                        _money(line.amount),
                    ),
                    widths=(14, 10, 10, 9, 11, 9, 37),
                ),
            )
        )
    closing = list(_supplemental_sections(view, claim))
    closing.append(
        Section(
            title="Provider certification",
            facts=(
                ("Children", str(len({line.child_id for line in claim.lines}))),
                ("Total amount", _money(claim.total_amount) or "incomplete: a rate is missing"),
                (
                    "Payable now",
                    _money(claim.payable_amount)
                    + (" (provider on hold, BILL-8)" if claim.status == "held" else ""),
                ),
            ),
            statement=CERTIFICATION,
            signatures=(Signature("Provider"),),
        )
    )
    return ReportDocument(
        kind="claim",
        title=TITLES["claim"],
        heading=_heading(view, claim, generated_at),
        sections=tuple(sections),
        closing=tuple(closing),
        data={
            "kind": "claim",
            "generated_at": generated_at.isoformat(),
            "children": names,
            "claim": claim.model_dump(mode="json"),
        },
        csv_columns=(
            "child_id",
            "child_name",
            "authorization_id",
            "line_status",
            "unit",
            "date",
            "units",
            "rule",
            "basis",
            "record_ids",
            "line_units",
            "line_amount",
        ),
        csv_rows=tuple(csv_rows),
        summary=(
            ("Total amount", _money(claim.total_amount)),
            ("Payable now", _money(claim.payable_amount)),
        ),
    )


# --- Attendance Per Student ---------------------------------------------------------


def _attendance_per_student(
    view: ClaimView, claim: Claim, generated_at: datetime
) -> ReportDocument:
    sections = []
    csv_rows = []
    children = []
    for child_id in _children(view):
        name = view.child_name(child_id)
        days = _days_of(view, child_id)
        items = _items_of(claim, child_id)
        absences = {a.day: a for a in view.absences if a.child_id == child_id}
        rows = []
        data_days = []
        present = 0
        total_hours = Decimal(0)
        total_units = Decimal(0)
        for day in sorted(set(days) | set(absences) | set(items)):
            visits = _visits(view, days.get(day, []))
            hours = sum((Decimal(v.minutes) / 60 for v in visits), Decimal(0)).quantize(
                Decimal("0.01")
            )
            if days.get(day):
                state = _day_state(days[day])
            elif day in absences:
                a = absences[day]
                state = "Z-day" if a.kind == "zday" else f"absent: {a.reason}".rstrip(": ")
            else:
                state = "not attended"
            units = sum((Decimal(str(i.units)) for i in items.get(day, [])), Decimal(0))
            present += state == "present"
            total_hours += hours if state == "present" else 0
            total_units += units
            row = (
                day.isoformat(),
                " ".join(_hhmm(v.check_in) for v in visits),
                " ".join(_hhmm(v.check_out) for v in visits),
                _hours(hours) if hours else "",
                state,
                _num(units) if items.get(day) else "",
            )
            rows.append(row)
            csv_rows.append((child_id, name, *row))
            data_days.append(
                {
                    "date": day.isoformat(),
                    "times": [
                        {
                            "in": _hhmm(v.check_in) or None,
                            "out": _hhmm(v.check_out) or None,
                            "record_ids": list(v.record_ids),
                        }
                        for v in visits
                    ],
                    "hours": float(hours),
                    "state": state,
                    "units": float(units),
                }
            )
        absent = sum(1 for day in absences if not days.get(day))
        children.append(
            {
                "child_id": child_id,
                "name": name,
                "days": data_days,
                "days_present": present,
                "hours_present": float(total_hours),
                "absences": absent,
                "units": float(total_units),
            }
        )
        sections.append(
            Section(
                title=name,
                facts=tuple(_child_facts(view, child_id)),
                table=Table(
                    ("Date", "In", "Out", "Hours", "Attendance", "Units"),
                    tuple(rows),
                    totals=(
                        f"{present} days",
                        "",
                        "",
                        _hours(total_hours),
                        f"{absent} absences",
                        _num(total_units),
                    ),
                    widths=(16, 14, 14, 10, 34, 12),
                ),
            )
        )
    return ReportDocument(
        kind="attendance_per_student",
        title=TITLES["attendance_per_student"],
        heading=_heading(view, claim, generated_at),
        sections=tuple(sections),
        data={
            "kind": "attendance_per_student",
            "generated_at": generated_at.isoformat(),
            "provider_id": view.provider.provider_id,
            "month": view.month,
            "children": children,
        },
        csv_columns=("child_id", "child_name", "date", "in", "out", "hours", "attendance", "units"),
        csv_rows=tuple(csv_rows),
    )


# --- the monthly attendance record (ATT-9) ------------------------------------------------


def _monthly_record(view: ClaimView, claim: Claim, generated_at: datetime) -> ReportDocument:
    sections = []
    csv_rows = []
    children = []
    for child_id in _children(view):
        name = view.child_name(child_id)
        days = _days_of(view, child_id)
        rows = []
        data_days = []
        total_minutes = 0
        for day in sorted(days):
            for visit in _visits(view, days[day]):
                total_minutes += visit.minutes
                hours = (Decimal(visit.minutes) / 60).quantize(Decimal("0.01"))
                row = (
                    day.isoformat(),
                    _hhmm(visit.check_in),
                    _hhmm(visit.check_out),
                    _hours(hours),
                    (visit.error or "").replace("_", " "),
                )
                rows.append(row)
                csv_rows.append((child_id, name, *row))
                data_days.append(
                    {
                        "date": day.isoformat(),
                        "in": _hhmm(visit.check_in) or None,
                        "out": _hhmm(visit.check_out) or None,
                        "hours": float(hours),
                        "error": visit.error,
                    }
                )
        signatures = _attestations(view, child_id)
        total = (Decimal(total_minutes) / 60).quantize(Decimal("0.01"))
        children.append(
            {
                "child_id": child_id,
                "name": name,
                "days": data_days,
                "days_of_service": len(days),
                "hours": float(total),
                "attestations": [
                    {"role": s.role, "by": s.signed_by, "at": s.signed_at} for s in signatures
                ],
            }
        )
        sections.append(
            Section(
                title=name,
                facts=tuple(_child_facts(view, child_id)),
                table=Table(
                    ("Date", "In", "Out", "Hours", "Note"),
                    tuple(rows),
                    totals=(f"{len(days)} days", "", "", _hours(total), ""),
                    widths=(20, 16, 16, 14, 34),
                ),
                statement=ATTESTATION,
                signatures=signatures,
            )
        )
    return ReportDocument(
        kind="monthly_record",
        title=TITLES["monthly_record"],
        heading=_heading(view, claim, generated_at),
        sections=tuple(sections),
        data={
            "kind": "monthly_record",
            "generated_at": generated_at.isoformat(),
            "provider_id": view.provider.provider_id,
            "month": view.month,
            "statement": ATTESTATION,
            "children": children,
        },
        csv_columns=("child_id", "child_name", "date", "in", "out", "hours", "note"),
        csv_rows=tuple(csv_rows),
    )


def _attestations(view: ClaimView, child_id: str) -> tuple[Signature, ...]:
    """The latest attestation of each role, or a line to sign by hand (ATT-9)."""
    latest = {a.by_role: a for a in view.attestations if a.child_id == child_id}
    return tuple(
        Signature(
            role.capitalize(),
            latest[role].by if role in latest else None,
            latest[role].attested_at.isoformat(timespec="minutes") if role in latest else None,
        )
        for role in ("provider", "parent")
    )


# --- supplemental billing -----------------------------------------------------------


def _supplemental_rows(view: ClaimView, claim: Claim) -> list[tuple[str, ...]]:
    return [
        (
            view.child_name(s.child_id),
            s.child_id,
            s.authorization_id,
            s.code,
            " ".join(d.strftime("%m-%d") for d in s.days),
            s.reason or "",
        )
        for s in claim.supplemental
    ]


def _supplemental_sections(view: ClaimView, claim: Claim) -> list[Section]:
    if not claim.supplemental:
        return []
    return [
        Section(
            title="Sent to supplemental billing",
            table=Table(
                ("Child", "Child ID", "Authorization", "Code", "Days", "Reason"),
                tuple(_supplemental_rows(view, claim)),
                widths=(16, 10, 12, 18, 18, 26),
            ),
        )
    ]


def _supplemental(view: ClaimView, claim: Claim, generated_at: datetime) -> ReportDocument:
    sections = _supplemental_sections(view, claim) or [
        Section(title="Nothing was sent to supplemental billing this month.")
    ]
    return ReportDocument(
        kind="supplemental",
        title=TITLES["supplemental"],
        heading=_heading(view, claim, generated_at),
        sections=tuple(sections),
        data={
            "kind": "supplemental",
            "generated_at": generated_at.isoformat(),
            "provider_id": view.provider.provider_id,
            "month": view.month,
            "supplemental": [
                {**s.model_dump(mode="json"), "child_name": view.child_name(s.child_id)}
                for s in claim.supplemental
            ],
        },
        csv_columns=("child_name", "child_id", "authorization_id", "code", "days", "reason"),
        csv_rows=tuple(
            (r[0], r[1], r[2], r[3], " ".join(d.isoformat() for d in s.days), r[5])
            for r, s in zip(_supplemental_rows(view, claim), claim.supplemental, strict=True)
        ),
    )
