"""The trial's recruitment: its plan, sites and enrolments (pseudonymous patient codes only), and the
bill of materials that turns patients into demand for items."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from logistics.core.forecast_inputs import MAX_TARGET, Basis
from logistics.core.refusals import N_, Refusal
from logistics.core.units import QuantityError, parse_quantity
from logistics.db.models import BomLine, Enrolment, Item, RecruitmentPlan, RecruitmentPull, RecruitmentSite
from logistics.services.catalogue import items
from logistics.services.csv_rows import CsvError, read_rows
from logistics.services.errors import InputError, NotFound
from logistics.services.stock import USE_CODE

SOURCES = ("page", "api", "csv", "registry")
CSV_COLUMNS = ("patient_code", "site", "enrolled_on")
MAX_ROWS = 5000
NAME_HINT = "upper-case letters, digits and dashes: the trial's pseudonymous code, never a name"


def the_plan(session: Session) -> RecruitmentPlan | None:
    return session.exec(select(RecruitmentPlan).order_by(col(RecruitmentPlan.id))).first()


def save_plan(session: Session, *, trial: str, target: int, prior_strength: float, fixed_rate: bool,
              screen_failure_ratio: float, batches_per_patient: float) -> RecruitmentPlan:
    """Create the plan, or change it."""
    errors = {}
    if not trial.strip():
        errors["trial"] = "name the trial (its protocol number)"
    if not 0 < target <= MAX_TARGET:
        errors["target"] = f"a whole number of patients, from 1 to {MAX_TARGET:,}"
    if not fixed_rate and not 0 < prior_strength <= 1000:
        errors["prior_strength"] = "more than 0 (how many patients' worth of belief the plan carries)"
    if not 0 <= screen_failure_ratio < 1:
        errors["screen_failure_ratio"] = "a share from 0 up to (not including) 1, e.g. 0.3"
    if not 0 <= batches_per_patient <= 10:
        errors["batches_per_patient"] = "between 0 and 10"
    if errors:
        raise InputError(errors)
    plan = the_plan(session) or RecruitmentPlan(trial=trial.strip(), target=target)
    plan.trial, plan.target, plan.fixed_rate = trial.strip(), target, fixed_rate
    plan.prior_strength, plan.screen_failure_ratio = prior_strength, screen_failure_ratio
    plan.batches_per_patient = batches_per_patient
    session.add(plan)
    session.flush()
    return plan


def sites(session: Session) -> list[RecruitmentSite]:
    return list(session.exec(select(RecruitmentSite).order_by(col(RecruitmentSite.code))).all())


def save_site(session: Session, *, code: str, name: str, activated_on: date, planned_rate: float
              ) -> RecruitmentSite:
    """Add a clinical site, or change the one with this code."""
    code = code.strip().upper()
    errors = {}
    if not USE_CODE.match(code) or len(code) > 20:
        errors["code"] = "the trial's site number: upper-case letters, digits and dashes"
    if not 0 <= planned_rate <= 1000:
        errors["planned_rate"] = "patients per 30 days, zero or more"
    if errors:
        raise InputError(errors)
    site = session.exec(select(RecruitmentSite).where(RecruitmentSite.code == code)).first()
    site = site or RecruitmentSite(code=code, name="", activated_on=activated_on, planned_rate=planned_rate)
    site.name, site.activated_on, site.planned_rate = name.strip() or code, activated_on, planned_rate
    session.add(site)
    session.flush()
    return site


@dataclass(frozen=True)
class EnrolmentRow:
    enrolment: Enrolment
    site: str


def enrolments(session: Session) -> list[EnrolmentRow]:
    rows = session.exec(select(Enrolment, RecruitmentSite.code)
                        .join(RecruitmentSite, RecruitmentSite.id == Enrolment.site_id)
                        .order_by(col(Enrolment.enrolled_on), col(Enrolment.patient_code))).all()
    return [EnrolmentRow(enrolment, code) for enrolment, code in rows]


def enrol(session: Session, *, site: str, patient_code: str, enrolled_on: date, source: str, by: str,
          today: date) -> Enrolment:
    """Record a patient's enrolment; the same enrolment recorded again is refused, as is a patient code
    already enrolled elsewhere or on another day."""
    found = _enrolment_or_problem(session, site, patient_code, enrolled_on, today)
    if isinstance(found, Enrolment):
        refusal = Refusal(N_("%(patient)s is enrolled already (on %(day)s)"), patient=found.patient_code,
                          day=found.enrolled_on.isoformat())
        raise InputError({"patient_code": refusal})
    if found:
        raise InputError(found)
    return _record(session, site, patient_code, enrolled_on, source, by)


def _enrolment_or_problem(session: Session, site: str, patient_code: str, enrolled_on: date, today: date
                          ) -> Enrolment | dict[str, str]:
    """The existing enrolment of this patient, or what is wrong with recording it (empty: nothing)."""
    code = patient_code.strip()
    if not USE_CODE.match(code):
        return {"patient_code": NAME_HINT}
    where = session.exec(select(RecruitmentSite).where(RecruitmentSite.code == site.strip().upper())).first()
    if where is None:
        known = ", ".join(row.code for row in sites(session)) or "none yet"
        return {"site": f"no trial site {site!r} (known: {known})"}
    if enrolled_on > today:
        return {"enrolled_on": "cannot be in the future"}
    if enrolled_on < where.activated_on:
        return {"enrolled_on": f"before {where.code} was activated ({where.activated_on.isoformat()})"}
    existing = session.exec(select(Enrolment).where(Enrolment.patient_code == code)).first()
    return existing if existing is not None else {}


def _record(session: Session, site: str, patient_code: str, enrolled_on: date, source: str, by: str
            ) -> Enrolment:
    where = session.exec(select(RecruitmentSite).where(RecruitmentSite.code == site.strip().upper())).one()
    enrolment = Enrolment(site_id=where.id, patient_code=patient_code.strip(), enrolled_on=enrolled_on,
                          source=source, recorded_by=by)
    session.add(enrolment)
    session.flush()
    return enrolment


@dataclass
class EnrolmentImport:
    added: int = 0
    unchanged: int = 0  # already recorded exactly so
    problems: list[str] = field(default_factory=list)  # "row 4: enrolled_on: cannot be in the future"


def import_enrolments(session: Session, records: list[dict[str, Any]], *, source: str, by: str, today: date,
                      first_row: int = 1) -> EnrolmentImport:
    """Record every new enrolment among `records` ({patient_code, site, enrolled_on}); one that is
    already recorded the same way is left alone, so a file or a registry can be read again safely.
    Problems are reported by row; the caller decides whether the good rows stand."""
    report = EnrolmentImport()
    seen: set[str] = set()
    for number, record in enumerate(records, start=first_row):
        problem, parsed = _read_record(record)
        if parsed is not None:
            site, code, day = parsed
            if code in seen:
                problem = f"patient_code: {code} appears twice"
            else:
                seen.add(code)
                found = _enrolment_or_problem(session, site, code, day, today)
                if isinstance(found, Enrolment):
                    if _same(session, found, site, day):
                        report.unchanged += 1
                    else:
                        problem = (f"patient_code: {code} is enrolled already, on "
                                   f"{found.enrolled_on.isoformat()} at another site or date")
                elif found:
                    problem = "; ".join(f"{name}: {text}" for name, text in found.items())
                else:
                    _record(session, site, code, day, source, by)
                    report.added += 1
        if problem:
            report.problems.append(f"row {number}: {problem}")
    return report


def _read_record(record: dict[str, Any]) -> tuple[str, tuple[str, str, date] | None]:
    missing = [name for name in CSV_COLUMNS if not str(record.get(name) or "").strip()]
    if missing:
        return f"missing {', '.join(missing)}", None
    text = str(record["enrolled_on"]).strip()
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        return f"enrolled_on: {text!r} is not a date such as 2026-06-01", None
    return "", (str(record["site"]).strip(), str(record["patient_code"]).strip(), day)


def _same(session: Session, enrolment: Enrolment, site: str, day: date) -> bool:
    where = session.get(RecruitmentSite, enrolment.site_id)
    return enrolment.enrolled_on == day and where is not None and where.code == site.strip().upper()


def import_enrolments_csv(session: Session, text: str, *, by: str, today: date) -> EnrolmentImport:
    """Enrolments from a CSV file with columns patient_code, site, enrolled_on: all of it or, on any
    problem, none of it (the caller rolls back; the report names every problem by row)."""
    try:
        header, records = read_rows(text)
    except CsvError as error:
        return EnrolmentImport(problems=[str(error)])
    missing = [name for name in CSV_COLUMNS if name not in header]
    if missing:
        return EnrolmentImport(problems=[f"row 1: missing column {', '.join(missing)} "
                                         f"(columns: {', '.join(CSV_COLUMNS)})"])
    if len(records) > MAX_ROWS:
        return EnrolmentImport(problems=[f"more than {MAX_ROWS} rows: split the file"])
    return import_enrolments(session, records, source="csv", by=by, today=today, first_row=2)


# -- bill of materials --------------------------------------------------------------------------------

@dataclass(frozen=True)
class BomRow:
    line: BomLine
    item: Item


def bill_of_materials(session: Session) -> list[BomRow]:
    rows = session.exec(select(BomLine, Item).join(Item, Item.id == BomLine.item_id)
                        .order_by(col(Item.code), col(BomLine.offset_days), col(BomLine.id))).all()
    return [BomRow(line, item) for line, item in rows]


def add_bom_line(session: Session, *, item: str, basis: str, quantity: str, offset_days: int,
                 note: str | None = None) -> BomLine:
    """`quantity` ("2 kit", "500 mL") of `item` per patient, screened patient or manufacturing batch,
    `offset_days` after enrolment (negative: before it, as screening is)."""
    found = session.exec(select(Item).where(Item.code == item)).first()
    errors = {}
    if found is None:
        raise InputError({"item": Refusal(N_("no item %(item)s"), item=repr(item))})
    if basis not in {b.value for b in Basis}:
        errors["basis"] = f"one of {', '.join(b.value for b in Basis)}"
    try:
        amount = parse_quantity(quantity, found.unit)
    except QuantityError as error:
        errors["quantity"] = f"{error} (the item is issued in {found.unit})"
        amount = 0.0
    if not errors and not amount > 0:
        errors["quantity"] = "must be more than zero"
    if not -365 <= offset_days <= 365:
        errors["offset_days"] = "between -365 and 365 days from enrolment"
    if errors:
        raise InputError(errors)
    line = BomLine(item_id=found.id, basis=basis, quantity=amount, offset_days=offset_days,
                   note=(note or "").strip() or None)
    session.add(line)
    session.flush()
    return line


def remove_bom_line(session: Session, line_id: int) -> None:
    line = session.get(BomLine, line_id)
    if line is None:
        raise NotFound(f"no bill-of-materials line {line_id}")
    session.delete(line)
    session.flush()


def set_supply_terms(session: Session, *, item: str, minimum_order: float, overage: float) -> Item:
    """The supplier's minimum order (in the unit of issue) and the overage factor for QC and overfill."""
    found = session.exec(select(Item).where(Item.code == item)).first()
    if found is None:
        raise InputError({"item": Refusal(N_("no item %(item)s"), item=repr(item))})
    errors = {}
    if not 0 <= minimum_order <= 1_000_000:
        errors["minimum_order"] = "zero or more, in the item's unit"
    if not 1 <= overage <= 5:
        errors["overage"] = "a factor from 1 (none) to 5; 1.1 for 10 % more"
    if errors:
        raise InputError(errors)
    found.minimum_order, found.overage = minimum_order, overage
    session.add(found)
    session.flush()
    return found


# -- pulled from a registry ---------------------------------------------------------------------------

PULL_PROBLEMS_SHOWN = 5


def record_pull(session: Session, *, url: str, records: list[dict[str, Any]] | None, error: str | None,
                now: datetime, today: date) -> RecruitmentPull:
    """Take the new enrolments among pulled `records` (the good ones, even when others are wrong) and
    keep the attempt; on `error` nothing is taken and what was pulled before stays as it was."""
    if error is not None or records is None:
        pull = RecruitmentPull(at=now, url=url, ok=False, message=(error or "nothing pulled")[:1000])
    else:
        report = import_enrolments(session, records, source="registry", by="registry", today=today)
        shown = report.problems[:PULL_PROBLEMS_SHOWN]
        more = len(report.problems) - len(shown)
        message = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
        pull = RecruitmentPull(at=now, url=url, ok=not report.problems, added=report.added,
                               message=message[:1000])
    session.add(pull)
    session.flush()
    return pull


def last_pulls(session: Session, limit: int = 5) -> list[RecruitmentPull]:
    return list(session.exec(select(RecruitmentPull).order_by(col(RecruitmentPull.at).desc(),
                                                              col(RecruitmentPull.id).desc()).limit(limit)).all())


@dataclass(frozen=True)
class RecruitmentOverview:
    """The recruitment page: the plan, its sites and enrolments, the bill of materials and the pulls."""

    plan: RecruitmentPlan | None
    sites: list[RecruitmentSite]
    enrolments: list[EnrolmentRow]  # oldest first
    bill_of_materials: list[BomRow]
    items: list[Item]  # what a bill-of-materials line may name
    pulls: list[RecruitmentPull]


def overview(session: Session) -> RecruitmentOverview:
    return RecruitmentOverview(the_plan(session), sites(session), enrolments(session),
                               bill_of_materials(session), items(session), last_pulls(session))
