"""Every form of the pages, refused once: the page comes back (422, not a redirect), what was typed is in
the form again, each refusal stands right after its field (which names it in aria-describedby), the first
refused field takes the focus, and a refusal of no field stands at the top of its form.

The forms are found by scanning the templates: a form added without a line in FORMS fails
`test_every_form_of_the_templates_is_listed`. A form that cannot be refused is listed with the reason."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.web.conftest import csrf_token, login
from tests.web.refusals import field_error, focused, kept_value
from tests.web.test_excursion_review import with_an_excursion
from tests.web.test_handover_pages import a_handover_link
from tests.web.test_qa_decision_pages import line_of, received

TEMPLATES = Path(__file__).resolve().parents[2] / "logistics" / "web" / "templates"
OPEN, UNDER_WAY = "HG-2026-0048", "HG-2026-0045"  # planned (its contents may change); in transit


@dataclass(frozen=True)
class Refusal:
    """A submission the form refuses. `page`: where the form is; `post`: where it goes (both may hold
    {names} that `prepare` fills in); `fields`: the ids of the controls refused, the first one focused;
    `kept`: control id → what was typed, shown again; `problems`: the id prefix of the form's refusals
    that belong to no field; `method`: "get" for a form whose choice leads to the next page."""

    role: str
    page: str
    post: str
    data: dict[str, str]
    fields: tuple[str, ...] = ()
    kept: dict[str, str] = field(default_factory=dict)
    problems: str = ""
    status: int = 422
    prepare: Callable[..., dict[str, str]] | None = None
    method: str = "post"


def first_line(app, client) -> dict[str, str]:
    """A line on the open shipment, to remove."""
    token = csrf_token(client, f"/shipments/{OPEN}")
    client.post(f"/shipments/{OPEN}/lines", data={"lot": "MED-HSC/M26K05", "quantity": "2 bottle",
                                                   "csrf_token": token})
    page = client.get(f"/shipments/{OPEN}").get_data(as_text=True)
    return {"line": re.search(rf"/shipments/{OPEN}/lines/(\d+)/remove", page).group(1)}


def open_leg(app, client) -> dict[str, str]:
    page = client.get(f"/shipments/{OPEN}").get_data(as_text=True)
    return {"leg": re.findall(rf"/shipments/{OPEN}/legs/(\d+)/times", page)[0]}


def a_free_logger(app, client) -> dict[str, str]:
    page = client.get(f"/shipments/{OPEN}").get_data(as_text=True)
    free = page.split('id="assign-logger"', 1)[1].split("</select>", 1)[0]
    return {"logger": re.findall(r'<option value="(LG-[0-9]+)"', free)[-1]}


def an_excursion(app, client) -> dict[str, str]:
    with_an_excursion(app)
    page = client.get(f"/shipments/{UNDER_WAY}").get_data(as_text=True)
    return {"x": re.search(r"/excursions/(\d+)/acknowledge", page).group(1)}


def an_acknowledged_excursion(app, client) -> dict[str, str]:
    found = an_excursion(app, client)
    client.post(f"/shipments/{UNDER_WAY}/excursions/{found['x']}/acknowledge", data={
        "comment": "Courier told", "csrf_token": csrf_token(client, f"/shipments/{UNDER_WAY}")})
    return found


def a_line_for_qa(app, client) -> dict[str, str]:
    """HG-2026-0045 received with the lot read on the pack differing; QA signed in."""
    received(app, client, **{"TE-26-019": {"lot": "TE-26-091", "expiry": "2027-12-31"}})
    return {"line": str(line_of(app, "TE-26-091"))}


def a_line_with_an_excursion_for_qa(app, client) -> dict[str, str]:
    with_an_excursion(app)
    found = a_line_for_qa(app, client)
    page = client.get(f"/qa/lines/{found['line']}").get_data(as_text=True)
    return found | {"x": re.search(rf"/qa/lines/{found['line']}/excursions/(\d+)/assess", page).group(1)}


SEARCH = "a search (GET): what was typed stays in the address, and its page shows its own refusals"

FORMS: dict[str, Refusal | str] = {
    "alerts.html#1": SEARCH,
    "audit.html#1": SEARCH,
    "base.html#1": "the language switch: buttons only, each a language offered",
    "base.html#2": "signing out: a button, nothing to refuse",
    "forecast/item.html#1": SEARCH,
    "forecast/overview.html#1": (
        "running the forecast: refused only without a plan or bill of materials, and then the page shows no "
        "button but the way to the recruitment page; a page gone stale has the banner say it "
        "(test_forecast_pages)"),
    "handover/link.html#1": Refusal(  # a courier without an account, through the shipment's link
        "", "/handover/{token}", "/handover/{token}",
        {"from_party": "courier", "to_party": "courier", "name": "", "place": "BKK", "seals_intact": "yes",
         "packaging_intact": "yes", "coolant_state": "cold", "note": "handed at the dock"},
        fields=("name",), kept={"place": "BKK", "from_party": "courier", "coolant_state": "cold"},
        prepare=a_handover_link),
    "lanes/choose.html#1": Refusal(  # a departure that is no time: the choice comes back, not a proposal
        "logistics", "/shipments/from-lane", "/shipments/from-lane",
        {"lane": "SZ-HKG-BKK-PH", "reference": "HG-2026-0900", "departure": "yesterday"},
        fields=("departure",),
        kept={"lane": "SZ-HKG-BKK-PH", "reference": "HG-2026-0900", "departure": "yesterday"}, method="get"),
    "lanes/form.html#1": Refusal(  # the first leg row left blank: the refusal goes to the row typed in
        "logistics", "/lanes/new", "/lanes/new",
        {"code": "SZ-ROAD-CM", "name": "By road", "origin": "HG-SZ", "destination": "SIRIRAJ-PH",
         "coolant": "gel_packs", "loggers_per_box": "1",
         "legs-1-mode": "truck", "legs-1-origin": "HG-SZ", "legs-1-destination": "BKK",
         "legs-1-duration_hours": "40",
         "legs-2-mode": "courier", "legs-2-origin": "BKK", "legs-2-destination": "SIRIRAJ-PH",
         "legs-2-duration_hours": "four"},
        fields=("legs-2-duration_hours",),
        kept={"code": "SZ-ROAD-CM", "legs-1-mode": "truck", "legs-1-duration_hours": "40",
              "legs-2-origin": "BKK", "legs-2-duration_hours": "four", "coolant": "gel_packs"}),
    "lanes/ship.html#1": Refusal(  # the second leg changed to start before the first ends
        "logistics", "/shipments/from-lane?lane=SZ-HKG-BKK-PH&departure=2026-12-01T08:30",
        "/shipments/from-lane",
        {"lane": "SZ-HKG-BKK-PH", "origin": "HG-SZ", "destination": "SIRIRAJ-PH", "reference": "HG-2026-0901",
         "planned_departure": "2026-12-01T08:30", "coolant": "gel_packs", "notes": "keep upright",
         "legs-0-mode": "truck", "legs-0-origin": "HG-SZ", "legs-0-destination": "HKG",
         "legs-0-planned_start": "2026-12-01T08:30", "legs-0-planned_end": "2026-12-01T12:30",
         "legs-1-mode": "air", "legs-1-origin": "HKG", "legs-1-destination": "BKK",
         "legs-1-transport_ref": "CX701",
         "legs-1-planned_start": "2026-12-01T10:00", "legs-1-planned_end": "2026-12-01T12:00"},
        fields=("legs-1-planned_start",),
        kept={"reference": "HG-2026-0901", "notes": "keep upright", "legs-1-transport_ref": "CX701",
              "legs-1-planned_start": "2026-12-01T10:00", "legs-1-destination": "BKK"}),
    "loggers/list.html#1": Refusal(  # retiring a logger still recording for a shipment
        "admin", "/loggers", "/loggers/LG-24003/retire", {}, problems="retire-LG-24003"),
    "loggers/list.html#2": Refusal(
        "admin", "/loggers", "/loggers", {"code": "LG-24003", "serial": "SN-NEW-1", "model": "TempTale"},
        fields=("code",), kept={"code": "LG-24003", "serial": "SN-NEW-1", "model": "TempTale"}),
    "login.html#1": Refusal(  # which of the two is wrong is not said: at the top of the form
        "", "/login", "/login", {"username": "logistics", "password": "not-the-password"},
        kept={"username": "logistics"}, problems="sign-in", status=401),
    "permits/form.html#1": Refusal(  # expiring the day it is issued
        "logistics", "/permits/new", "/permits/new",
        {"number": "TFDA-CT-2027-0003", "holder": "Siriraj", "protocol_number": "HG-TDT-302",
         "issued": "2027-01-01", "expires": "2027-01-01", "items": "QC-VCN", "notes": "renewal"},
        fields=("expires",),
        kept={"number": "TFDA-CT-2027-0003", "expires": "2027-01-01", "notes": "renewal"}),
    "permits/list.html#1": Refusal(
        "logistics", "/permits", "/permits/hs-codes", {"item": "QC-VCN", "hs_code": "3822-19"},
        fields=("hs-code",), kept={"hs-item": "QC-VCN", "hs-code": "3822-19"}),
    "profiles/allowance.html#1": Refusal(
        "qa", "/allowances/SEL-CD34", "/allowances/SEL-CD34",
        {"budget_hours": "seventy", "limit_c": "8", "activation_energy_kj": "83.144", "reason": "new data"},
        fields=("budget_hours",), kept={"budget_hours": "seventy", "limit_c": "8", "reason": "new data"}),
    "profiles/profile.html#1": Refusal(
        "qa", "/profiles/refrigerated", "/profiles/refrigerated",
        {"label": "2–8 °C", "min_c": "cold", "max_c": "8", "reason": "tighter"},
        fields=("min_c",), kept={"min_c": "cold", "max_c": "8", "reason": "tighter"}),
    "receiving/_decision_form.html#1": Refusal(
        "", "/qa/lines/{line}", "/qa/lines/{line}/excursions/{x}/assess",
        {"root_cause": "packaging", "outcome": "", "assessment_comment": "Gel packs too warm"},
        fields=("x{x}-outcome",),
        kept={"x{x}-root_cause": "packaging", "x{x}-assessment_comment": "Gel packs too warm"},
        prepare=a_line_with_an_excursion_for_qa),
    "receiving/_decision_form.html#2": Refusal(  # the signing step, with a wrong password
        "", "/qa/lines/{line}", "/qa/lines/{line}",
        {"decision": "rejected", "comment": "Other lot", "step": "sign", "password": "wrong"},
        fields=("password",), status=401, prepare=a_line_for_qa),
    "receiving/_decision_form.html#3": Refusal(
        "", "/qa/lines/{line}", "/qa/lines/{line}",
        {"decision": "released", "comment": "Fine", "released": ""},
        fields=("lot",), kept={"comment": "Fine"}, prepare=a_line_for_qa),
    "receiving/find.html#1": SEARCH,
    "receiving/receive.html#1": "stopping the loggers on arrival: a button, nothing to refuse",
    "receiving/receive.html#2": Refusal(
        "pharmacy", f"/receiving/{UNDER_WAY}", f"/receiving/{UNDER_WAY}",
        {"packaging_intact": "yes", "coolant_state": "cold", "notes": "box dented"},
        fields=("seals_intact",), kept={"coolant_state": "cold", "notes": "box dented"}),
    "recruitment/overview.html#1": Refusal(
        "logistics", "/recruitment", "/recruitment/plan",
        {"trial": "TDT-2026", "target": "many", "prior_strength": "2", "screen_failure_ratio": "0",
         "batches_per_patient": "1"},
        fields=("plan-target",), kept={"plan-trial": "TDT-2026", "plan-target": "many"}),
    "recruitment/overview.html#2": Refusal(
        "logistics", "/recruitment", "/recruitment/sites",
        {"code": "TH-09", "name": "Chiang Mai", "activated_on": "2026-06-01", "planned_rate": "lots"},
        fields=("site-planned_rate",), kept={"site-code": "TH-09", "site-planned_rate": "lots"}),
    "recruitment/overview.html#3": Refusal(
        "pharmacy", "/recruitment", "/recruitment/enrolments",
        {"site": "TH-01", "patient_code": "TDT-900", "enrolled_on": "yesterday"},
        fields=("enrol-enrolled_on",),
        kept={"enrol-patient_code": "TDT-900", "enrol-enrolled_on": "yesterday"}),
    "recruitment/overview.html#4": Refusal(  # a file cannot be offered again: there is nothing typed
        "pharmacy", "/recruitment", "/recruitment/enrolments/import", {}, fields=("import-file",)),
    "recruitment/overview.html#5": "removing a bill-of-materials line: a button; a line gone already is 404",
    "recruitment/overview.html#6": Refusal(
        "logistics", "/recruitment", "/recruitment/bom",
        {"item": "SEL-CD34", "basis": "patient", "quantity": "2 kit", "offset_days": "soon", "note": "x"},
        fields=("bom-offset_days",),
        kept={"bom-quantity": "2 kit", "bom-offset_days": "soon", "bom-note": "x"}),
    "recruitment/overview.html#7": Refusal(
        "logistics", "/recruitment", "/recruitment/supply",
        {"item": "SEL-CD34", "minimum_order": "4", "overage": "a bit"},
        fields=("terms-overage",), kept={"terms-minimum_order": "4", "terms-overage": "a bit"}),
    "recruitment/overview.html#8": Refusal(
        "logistics", "/recruitment", "/recruitment/max-quantity", {"item": "SEL-CD34", "max_quantity": "2e1"},
        fields=("largest-max_quantity",), kept={"largest-max_quantity": "2e1", "largest-item": "SEL-CD34"}),
    "recruitment/overview.html#9": Refusal(
        "logistics", "/recruitment", "/recruitment/cut-offs",
        {"item": "SEL-CD34", "do_not_ship_days": "30", "do_not_count_days": "4000",
         "do_not_dispense_days": "a week"},
        fields=("cutoffs-do_not_count_days", "cutoffs-do_not_dispense_days"),
        kept={"cutoffs-do_not_ship_days": "30", "cutoffs-do_not_dispense_days": "a week",
              "cutoffs-item": "SEL-CD34"}),
    "rejections.html#1": SEARCH,
    "shipments/_excursions.html#1": Refusal(
        "pharmacy", f"/shipments/{UNDER_WAY}", f"/shipments/{UNDER_WAY}/excursions/{{x}}/acknowledge",
        {"comment": ""}, fields=("comment-{x}",), prepare=an_excursion),
    "shipments/_excursions.html#2": Refusal(
        "qa", f"/shipments/{UNDER_WAY}", f"/shipments/{UNDER_WAY}/excursions/{{x}}/resolve",
        {"assessment": "Within the budget", "disposition": "throw_away"},
        fields=("disposition-{x}",), kept={"assessment-{x}": "Within the budget"},
        prepare=an_acknowledged_excursion),
    "shipments/detail.html#9": "ending the hand-over links: a button, nothing to refuse",
    "shipments/detail.html#10": Refusal(  # QA's override of the dispatch gate without a reason
        "qa", f"/shipments/{OPEN}", f"/shipments/{OPEN}/dispatch-override", {"why": "  "},
        fields=("override-why",)),
    "shipments/detail.html#1": Refusal(  # *Remove…* without a reason
        "logistics", f"/shipments/{OPEN}", f"/shipments/{OPEN}/lines/{{line}}/remove", {"reason": "  "},
        fields=("remove-line-{line}-reason",), prepare=first_line),
    "shipments/detail.html#2": Refusal(
        "logistics", "/shipments/HG-2026-0047", "/shipments/HG-2026-0047/status",
        {"status": "closed", "reason": "done with it"}, kept={"reason": "done with it"}, problems="status"),
    "shipments/detail.html#3": Refusal(
        "logistics", f"/shipments/{OPEN}", f"/shipments/{OPEN}/lines",
        {"lot": "SEL-CD34/SK2609-031", "quantity": "1.5 kit"},
        fields=("line-quantity",), kept={"line-lot": "SEL-CD34/SK2609-031", "line-quantity": "1.5 kit"}),
    "shipments/detail.html#4": Refusal(
        "logistics", f"/shipments/{OPEN}", f"/shipments/{OPEN}/legs/{{leg}}/times",
        {"record": "start", "at": "tomorrow"}, fields=("leg-{leg}-at",), kept={"leg-{leg}-at": "tomorrow"},
        prepare=open_leg),
    "shipments/detail.html#5": Refusal(
        "logistics", f"/shipments/{OPEN}", f"/shipments/{OPEN}/legs",
        {"mode": "courier", "origin": "SIRIRAJ-PH", "destination": "SIRIRAJ-PH", "carrier": "Desk",
         "transport_ref": "", "planned_start": "", "planned_end": ""},
        fields=("leg-destination",),
        kept={"leg-mode": "courier", "leg-origin": "SIRIRAJ-PH", "leg-carrier": "Desk"}),
    "shipments/detail.html#6": ("stopping a logger: shown only while it records; refused only from a page "
                                "gone stale, whose button is then gone, so the banner says it"),
    "shipments/detail.html#7": Refusal(
        "logistics", f"/shipments/{OPEN}", f"/shipments/{OPEN}/loggers",
        {"logger": "{logger}", "starts_at": "0001-01-01T00:00"}, fields=("assign-from",),
        kept={"assign-logger": "{logger}", "assign-from": "0001-01-01T00:00"}, prepare=a_free_logger),
    "shipments/detail.html#8": Refusal(
        "logistics", f"/shipments/{UNDER_WAY}", f"/shipments/{UNDER_WAY}/milestones",
        {"kind": "landed", "at": "", "site": "BKK", "note": "on blocks"},
        fields=("milestone-at",), kept={"milestone-kind": "landed", "milestone-site": "BKK",
                                        "milestone-note": "on blocks"}),
    "shipments/form.html#1": Refusal(
        "logistics", "/shipments/new", "/shipments/new",
        {"reference": "HG-2026-0777", "origin": "HG-SZ", "destination": "SIRIRAJ-PH",
         "packaging_validated_hours": "ninety", "notes": "keep upright"},
        fields=("packaging_validated_hours",),
        kept={"reference": "HG-2026-0777", "destination": "SIRIRAJ-PH", "notes": "keep upright"}),
    "shipments/import_papers.html#1": Refusal(
        "logistics", "/shipments/HG-2026-0045/import-papers", "/shipments/HG-2026-0045/import-papers",
        {"line_ids": "{line}", "lines-0-net_weight_kg": "heavy", "lines-0-manufactured": "2026-01-15",
         "invoice_number": "INV-1"},
        fields=("lines-0-net_weight_kg",),
        kept={"lines-0-net_weight_kg": "heavy", "lines-0-manufactured": "2026-01-15",
              "papers-invoice": "INV-1"},
        prepare=lambda app, client: {"line": re.search(r'name="line_ids" value="(\d+)"', client.get(
            "/shipments/HG-2026-0045/import-papers").get_data(as_text=True)).group(1)}),
    "shipments/import.html#1": Refusal(  # a file cannot be offered again: there is nothing typed
        "logistics", "/shipments/import", "/shipments/import", {}, fields=("file",)),
    "shipments/leg_delete.html#1": Refusal(
        "logistics", f"/shipments/{OPEN}/legs/{{leg}}/delete", f"/shipments/{OPEN}/legs/{{leg}}/delete",
        {"reason": ""}, fields=("reason",), prepare=open_leg),
    "shipments/leg_edit.html#1": Refusal(  # confirming a correction the route refuses: back to the form
        "logistics", f"/shipments/{OPEN}/legs/{{leg}}/edit", f"/shipments/{OPEN}/legs/{{leg}}/edit",
        {"step": "confirm", "mode": "courier", "origin": "SIRIRAJ-PH", "destination": "SIRIRAJ-PH",
         "carrier": "Desk", "reason": "rerouted"},
        fields=("destination",), kept={"carrier": "Desk", "reason": "rerouted"}, prepare=open_leg),
    "shipments/leg_edit.html#2": Refusal(
        "logistics", f"/shipments/{OPEN}/legs/{{leg}}/edit", f"/shipments/{OPEN}/legs/{{leg}}/edit",
        {"step": "review", "mode": "truck", "origin": "BKK", "destination": "SIRIRAJ-PH",
         "planned_start": "soon", "carrier": "Kerry", "reason": "new truck"},
        fields=("planned_start",), kept={"carrier": "Kerry", "planned_start": "soon", "reason": "new truck"},
        prepare=open_leg),
    "shipments/list.html#1": SEARCH,
    "shipments/replay.html#1": SEARCH,
    "sites/form.html#1": Refusal(  # a fence's centre without its longitude
        "logistics", "/sites/BKK/edit", "/sites/BKK/edit",
        {"name": "Suvarnabhumi cargo", "timezone": "Asia/Bangkok", "latitude": "13.69", "longitude": "",
         "radius_m": "4000", "reason": "cargo terminal"},
        fields=("longitude",),
        kept={"name": "Suvarnabhumi cargo", "latitude": "13.69", "radius_m": "4000",
              "reason": "cargo terminal"}),
    "stock/overview.html#1": SEARCH,
    "stock/overview.html#2": Refusal(
        "qa", "/stock", "/stock/recall", {"lot": "SEL-CD34/NO-SUCH", "reason": "supplier notice"},
        fields=("recall-lot",), kept={"recall-lot": "SEL-CD34/NO-SUCH", "recall-reason": "supplier notice"}),
    "stock/overview.html#3": Refusal(
        "pharmacy", "/stock", "/stock/consume",
        {"site": "SIRIRAJ-PH", "item": "QC-ENDO", "quantity": "1.5 kit", "use": "run", "code": "RUN-7"},
        fields=("consume-quantity",), kept={"consume-quantity": "1.5 kit", "consume-code": "RUN-7",
                                            "consume-item": "QC-ENDO"}),
    "storage/zone.html#1": ("stopping a zone's logger: shown only while it records; refused only from a page "
                            "gone stale, whose button is then gone, so the banner says it"),
    "storage/zone.html#2": Refusal(
        "logistics", "/storage/SIR-FRIDGE-1", "/storage/SIR-FRIDGE-1/loggers",
        {"logger": "LG-30001", "starts_at": "9999-12-31T23:59"},
        fields=("assign-from",), kept={"assign-from": "9999-12-31T23:59"}),
    "storage/zones.html#1": Refusal(
        "logistics", "/storage", "/storage",
        {"site": "SIRIRAJ-CM", "code": "bad code", "name": "Spare freezer", "storage_profile": "frozen"},
        fields=("zone-code",), kept={"zone-code": "bad code", "zone-name": "Spare freezer",
                                "zone-profile": "frozen"}),
}


def forms_in_templates() -> set[str]:
    """Each <form> of the templates, as template#n (its place in its file)."""
    found = set()
    for path in TEMPLATES.rglob("*.html"):
        count = len(re.findall(r"<form\b", path.read_text(encoding="utf-8")))
        found |= {f"{path.relative_to(TEMPLATES).as_posix()}#{n}" for n in range(1, count + 1)}
    return found


def test_every_form_of_the_templates_is_listed():
    assert forms_in_templates() == set(FORMS)


def test_no_form_posts_to_a_fragment():
    """A fragment in a refused POST's address makes the page jump and stops autofocus scrolling."""
    for path in TEMPLATES.rglob("*.html"):
        for tag in re.findall(r"<form\b[^>]*>", path.read_text(encoding="utf-8")):
            if 'method="post"' in tag:
                assert "#" not in tag.split('action="', 1)[-1].split('"', 1)[0], (path.name, tag)


REFUSABLE = sorted(name for name, case in FORMS.items() if isinstance(case, Refusal))


@pytest.mark.parametrize("name", REFUSABLE)
def test_a_refused_form_comes_back_as_typed_with_its_refusal_beside_the_field(app, name):
    case = FORMS[name]
    assert isinstance(case, Refusal)
    client = app.test_client()
    if case.role:
        login(client, case.role)
    names = case.prepare(app, client) if case.prepare else {}

    def filled(text: str) -> str:
        return text.format(**names)

    data = {key: filled(value) for key, value in case.data.items()}
    if case.method == "get":
        response = client.get(filled(case.post), query_string=data)
    else:
        data["csrf_token"] = csrf_token(client, filled(case.page))
        response = client.post(filled(case.post), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == case.status, (name, response.status_code, response.headers.get("Location"))
    for control in map(filled, case.fields):
        assert field_error(page, control), (name, control)
    for control, typed in case.kept.items():
        assert kept_value(page, filled(control)) == filled(typed), (name, control)
    if case.fields:
        assert focused(page) == [filled(case.fields[0])], name
    if case.problems:
        top = re.search(rf'<div class="form-problems" id="{case.problems}-problems" role="alert">(.*?)</div>',
                        page, re.S)
        assert top and 'class="field-error"' in top.group(1), name
