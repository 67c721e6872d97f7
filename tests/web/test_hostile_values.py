"""Random hostile values (huge, tiny, NaN, negative, far dates, deep nesting, long strings, odd Unicode)
posted to every API write operation and every form: never a 5xx, and every record's pages still answer 200.

The routes come from the URL map. A form's fields are read from the page that shows it, and an API body's
fields from the OpenAPI document, so a new route is fuzzed without editing this file; a write route that is
neither found on a page nor in the API document (nor set aside in SET_ASIDE) fails the test.

Each field has a kind (a time, a number, text, a file) from its input type or its schema. First every field
is given, in turn, each extreme of its kind while the others keep a sensible value (so the extreme reaches
the code behind the validation); then hypothesis mixes hostile values in every field at once.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logistics.services.shipment_import import COLUMNS as IMPORT_COLUMNS
from tests.web.conftest import csrf_token, login, web_app
from tests.web.test_api import NEW, bearer
from tests.web.test_excursion_review import record_id, with_an_excursion
from tests.web.test_receiving_pages import PAGE as RECEIVED
from tests.web.test_receiving_pages import receipt_form
from tests.web.test_role_matrix import write_routes

EXAMPLES = 4  # random mixes per route, after the sweep of extremes
SET_ASIDE = {  # routes whose hostile input belongs to other tests
    "legs.delete": "tests/web/test_leg_pages.py: its one field, the reason, is fuzzed here through "
                   "api.delete_leg; a sensible one would delete the leg whose page the sweep goes back to",
    "auth.login": "tests/web/test_access.py: login, lockout",
    "auth.logout": "ends the session this test works in",
    "storage.excursion_acknowledge": "tests/web/test_storage_pages.py: a zone's excursion review, by the "
                                     "rules fuzzed here through pages.excursion_acknowledge",
    "storage.excursion_resolve": "tests/web/test_storage_pages.py: as pages.excursion_resolve",
    "i18n.choose": "tests/web/test_languages.py: the language switch and its return address",
    "telemetry.post_readings": "tests/ingest/test_http_ingest.py: loggers' own credentials and payloads",
}
# Routes posted by another user, in a session of their own; the dispatch override is shown to QA alone.
OWN_SESSION = {"receiving.qa_sign": "qa", "pages.dispatch_override": "qa"}
ONLY_QA_SEES = ("/shipments/HG-2026-0048",)  # held at the dispatch gate: QA's override form
PAGES_WITH_FORMS = ("/shipments/new", "/shipments/import", "/shipments/HG-2026-0048",
                    "/shipments/HG-2026-0045", "/shipments/HG-2026-0046", "/shipments/HG-2026-0048/edit",
                    "/receiving/HG-2026-0046", "/stock", "/recruitment", "/forecast", "/loggers", "/qa",
                    "/profiles/refrigerated", "/allowances/SEL-CD34", "/storage", "/storage/SIR-FRIDGE-1",
                    "/shipments/HG-2026-0048/legs/3/edit", "/lanes/new", "/lanes/SZ-HKG-BKK-PH/edit",
                    "/shipments/from-lane?lane=SZ-HKG-BKK-PH&departure=2026-12-01T08:30",
                    "/permits", "/permits/new", "/permits/TFDA-CT-2026-0031/edit",
                    "/shipments/HG-2026-0045/import-papers", "/sites/BKK/edit")
API_REFERENCES = {"api.record_leg": "HG-2026-0045", "api.add_milestone": "HG-2026-0045"}
# Sensible values, so that an extreme in one field is not refused for a mistake in another. Optional: a
# route missing here is fuzzed all the same.
SENSIBLE = {"origin": "HG-SZ", "destination": "SIRIRAJ-PH", "site": "SIRIRAJ-PH", "reason": "checked",
            "comment": "kept cold", "assessment": "no impact", "kind": "landed", "mode": "truck",
            "lot": "MED-HSC/M26K05", "quantity": "2", "item": "REF-CELL", "use": "run", "serial": "SN-1"}
API_BODIES: dict[str, dict[str, Any]] = {
    "api.create_shipment": {**NEW, "planned_arrival": None},
    "api.update_shipment": {"reason": "checked"},
    "api.add_leg": {"mode": "truck", "origin": "HG-SZ", "destination": "HKG"},
    "api.add_milestone": {"kind": "landed", "at": "2026-11-24T10:00:00Z"},
    "api.assign_logger": {"shipment": "HG-2026-0048", "starts_at": "2026-11-24T10:00:00Z"},
    "api.consume": {"site": "SIRIRAJ-PH", "item": "REF-CELL", "quantity": "1", "use": "run", "code": "RUN-1"},
    "api.add_enrolment": {"site": "TH-01", "enrolled_on": "2026-11-20"},
    "api.resolve_excursion": {"assessment": "no impact", "disposition": "no_impact"},
}
FRESH = {"reference": "FZ-{}", "patient_code": "FZ-{}", "code": "LG-FZ{}"}  # unique each time they are sent

EXTREMES = {  # the sweep's values (each field, each value of its kind): few, since each is a request
    "time": ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59"],
    "day": ["9999-12-31", "0001-01-01"],
    "number": ["1e308", "nan"],
    "text": ["x" * 5000, "\x00"],
}
JSON_NUMBERS = [1e308, float("nan"), -1e308, 5e-324, 2**64, -(2**63) - 1]
TEXTS = ["", " ", "-1", "-1e308", "inf", "1e308 bottle", "99999999999999999999", "9999-12-31T23:59:59-14:00",
         "RT/2026/1", "=HYPERLINK(\"http://evil.example\")", "../../etc/passwd", "ก" * 300, "\u202e\ufeff",
         "\ud800", "😀" * 50, "new", "12 kit", "2026-12-01", *itertools.chain(*EXTREMES.values())]
hostile_text = st.one_of(st.sampled_from(TEXTS), st.text(max_size=40))
nested = st.recursive(st.none() | st.integers(), lambda inner: st.lists(inner, max_size=2) |
                      st.dictionaries(st.text(max_size=3), inner, max_size=2), max_leaves=40)
hostile_json = st.one_of(
    st.sampled_from(JSON_NUMBERS), st.integers(), st.floats(), st.booleans(), st.none(), hostile_text, nested,
    st.builds(lambda depth: json.loads("[" * depth + "]" * depth), st.integers(30, 40)))
NUMBER_NAMES = re.compile(r"quantity|hours|received|damaged|missing|released|target|rate|ratio|strength|"
                          r"per_patient|pack_size|minimum_order|lead_time|overage|offset|days")
TIME_NAMES = re.compile(r"^at$|_at$|^planned_|^actual_")
DAY_NAMES = re.compile(r"_on$|expiry|_due$")
CSV_COLUMNS = {"pages.shipment_import": IMPORT_COLUMNS,
               "recruitment.import_enrolments": ("patient_code", "site", "enrolled_on")}
CSV_SENSIBLE = {"reference": "FZ-{}", "patient_code": "FZ-{}", "origin": "HG-SZ", "destination": "SIRIRAJ-PH",
                "site": "TH-01", "enrolled_on": "2026-11-20", "lines": "MED-HSC/M26K05=2 bottle"}
CSV_EXTREMES = {"lines": "MED-HSC/M26K05=1e308 bottle"}


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # time, number, text or file
    sensible: Any = None  # what a person would send; None: leave it out unless it is the one varied
    json_type: str = "string"


_serial = itertools.count(1)


def fresh(field: Field) -> Any:
    return FRESH[field.name].format(next(_serial)) if field.name in FRESH else field.sensible


@pytest.fixture
def app(demo_runtime):
    """The app on the demo, on each database (PostgreSQL refuses what SQLite keeps, e.g. U+0000)."""
    return web_app(demo_runtime)


def prepare(app, client, token_for):
    """The forms of every write route, with records for each to show: an excursion open (to acknowledge),
    then acknowledged (to resolve), and a quarantined line for QA to sign."""
    with_an_excursion(app)
    pharmacy = login(app.test_client(), "pharmacy")
    assert pharmacy.post(RECEIVED, data=receipt_form(app, pharmacy)).status_code == 302
    forms = find_forms(client)
    number = record_id(client.get("/shipments/HG-2026-0045").get_data(as_text=True))
    assert app.test_client().post(f"/api/v1/excursions/{number}/acknowledge", json={"comment": "kept cold"},
                                  headers=bearer(token_for("logistics"))).status_code == 200
    qa_forms = forms_on(login(app.test_client(), "qa"), ONLY_QA_SEES)
    return find_forms(client) | forms | {endpoint: form for endpoint, form in qa_forms.items()
                                         if OWN_SESSION.get(endpoint) == "qa"}


def test_hostile_values_never_make_a_5xx_nor_break_a_page(app, token_for):
    client = login(app.test_client(), "admin")
    token = csrf_token(client, "/shipments")
    forms = prepare(app, client, token_for)
    operations = api_operations(app, client)
    endpoints = {endpoint for endpoint, _method, _path in write_routes(app)}
    uncovered = endpoints - forms.keys() - {endpoint for endpoint, *_ in operations} - SET_ASIDE.keys()
    assert not uncovered, "write routes with no form found on PAGES_WITH_FORMS and no API body"
    for endpoint, (page, path, fields) in sorted(forms.items()):
        if endpoint in OWN_SESSION:  # wrong e-signature passwords sign the user out: not the admin here
            poster = login(app.test_client(), OWN_SESSION[endpoint])
            send = form_sender(poster, csrf_token(poster, page), endpoint, path)
        else:
            send = form_sender(client, token, endpoint, path)
        sweep(send, fields)
        mix(send, fields)
        pages_answer(client, [page, "/shipments", "/"])
    api = app.test_client()
    headers = bearer(token_for("admin"))
    for endpoint, method, path, fields in operations:
        send = api_sender(api, headers, endpoint, method, path)
        sweep(send, fields, json_values=True)
        mix(send, fields, json_values=True)
        pages_answer(client, ["/shipments", "/api/v1/shipments"])
    every_record_answers(client)


def sweep(send, fields, *, json_values=False):
    """Each field in turn at each extreme of its kind, the others sensible."""
    for varied in fields:
        for value in extremes(varied, json_values):
            send({field.name: value if field is varied else fresh(field) for field in fields
                  if field is varied or fresh(field) is not None})


def extremes(field: Field, json_values: bool) -> list[Any]:
    if field.kind == "file":
        return [csv_file(column, CSV_EXTREMES.get(column) or EXTREMES[_kind(column, "")][0])
                for column in CSV_COLUMNS.get(field.name, ("reference",))]
    if json_values and field.kind == "number" and field.json_type != "string":
        return JSON_NUMBERS[:2]
    return EXTREMES[field.kind]


def mix(send, fields, *, json_values=False):
    """Hypothesis: any field hostile or sensible, all at once."""
    hostile = hostile_json if json_values else hostile_text
    values = st.fixed_dictionaries({}, optional={
        field.name: st.one_of(st.just(field.sensible), hostile) if field.kind != "file" else hostile
        for field in fields})

    @given(values)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def send_mixed(body):
        files = {field.name for field in fields if field.kind == "file"}
        send({name: csv_file("reference", value) if name in files else value for name, value in body.items()})

    send_mixed()


def form_sender(client, token, endpoint, path):
    def send(form):
        # A browser cannot send a lone surrogate: what arrives is the bytes of the replacement character.
        form = {name: value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
                if isinstance(value, str) else value for name, value in form.items()}
        response = client.post(path, data={**form, "csrf_token": token}, content_type="multipart/form-data")
        assert response.status_code < 500, (endpoint, _short(form), response.get_data(as_text=True)[:300])
    return send


def api_sender(client, headers, endpoint, method, path):
    def send(body):
        text = json.dumps(body)  # NaN and Infinity travel as Python's json writes them
        response = client.open(path, method=method, data=text, content_type="application/json",
                               headers=headers)
        assert response.status_code < 500, (endpoint, text[:300], response.get_data(as_text=True)[:300])
        assert response.is_json and (response.status_code < 400 or response.get_json()["error"]), endpoint
    return send


def csv_file(column: str, value: str) -> tuple[io.BytesIO, str]:
    """An upload whose one row is sensible but for `column`."""
    header = next((columns for columns in CSV_COLUMNS.values() if column in columns), ("reference",))
    row = [value if name == column else CSV_SENSIBLE.get(name, "").format(next(_serial)) for name in header]
    text = ",".join(header) + "\n" + ",".join('"' + cell.replace('"', '""') + '"' for cell in row) + "\n"
    return io.BytesIO(text.encode("utf-8", "surrogatepass")), "fuzz.csv"


def _short(form):
    return {name: (value[:40] if isinstance(value, str) else "<file>") for name, value in form.items()}


def pages_answer(client, paths):
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)


def every_record_answers(client):
    listed = client.get("/api/v1/shipments?per_page=200").get_json()["items"]
    references = [row["reference"] for row in listed]
    for reference in references:
        pages_answer(client, [f"/shipments/{reference}", f"/api/v1/shipments/{reference}",
                              f"/shipments/{reference}/packing-list.pdf"])
    pages_answer(client, ["/", "/shipments", "/shipments.csv", "/stock", "/stock/ledger", "/stock.csv",
                          "/recruitment", "/forecast", "/loggers", "/qa", "/api/v1/stock", "/api/v1/loggers"])


# --- what to post: forms as the pages show them, API bodies as the OpenAPI document describes them ----

class FormReader(HTMLParser):
    """Each <form method="post">: its action and {field: (input type, the value a person would leave)}."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page, self.forms, self._select = page, [], None

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "form" and found.get("method", "").lower() == "post":
            self.forms.append((found.get("action") or self.page, {}))
        elif tag in ("input", "select", "textarea") and self.forms and found.get("name"):
            if found["name"] != "csrf_token":
                self.forms[-1][1].setdefault(found["name"], (found.get("type", tag), found.get("value")))
            self._select = found["name"] if tag == "select" else None
        elif tag == "option" and self._select and self.forms and found.get("value"):
            kind, value = self.forms[-1][1][self._select]
            if not value:
                self.forms[-1][1][self._select] = (kind, found["value"])


def find_forms(client):
    """endpoint -> (the page showing it, the path it posts to, its fields)."""
    signing = re.findall(r'href="(/qa/lines/\d+)"', client.get("/qa").get_data(as_text=True))
    link = client.get("/shipments/HG-2026-0046/handover-link").get_data(as_text=True)  # a courier's form
    handover = re.findall(r'id="handover-url">[^<]*?(/handover/[^<]+)</p>', link)
    return forms_on(client, (*PAGES_WITH_FORMS, *signing[:1], *handover))


def forms_on(client, pages):
    """endpoint -> (the page showing it, the path it posts to, its fields) of the forms on `pages`."""
    forms = {}
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        reader = FormReader(page)
        reader.feed(response.get_data(as_text=True))
        for action, found in reader.forms:
            path = urlsplit(action).path
            endpoint, _args = client.application.url_map.bind("localhost").match(path, method="POST")
            fields = [Field(name, _kind(name, kind), SENSIBLE.get(name, value or ""))
                      for name, (kind, value) in found.items()]
            if endpoint not in SET_ASIDE:
                forms.setdefault(endpoint, (page, path, fields))
    return forms


def api_operations(app, client):
    """(endpoint, method, path, body fields) of every API write, path parameters filled from the demo."""
    document = client.get("/api/v1/openapi.json").get_json()
    free_logger = next(row["code"] for row in client.get("/api/v1/loggers").get_json()["items"]
                       if row["shipment"] is None)
    operations = []
    for endpoint, method, _sample in write_routes(app):
        rule = next(rule for rule in app.url_map.iter_rules(endpoint=endpoint))
        if not rule.rule.startswith("/api/") or endpoint in SET_ASIDE:
            continue
        described = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        body = document["paths"][described][method.lower()].get("requestBody")
        schema = _resolved(document, body["content"]["application/json"]["schema"]) if body else {}
        sensible = API_BODIES.get(endpoint, {})
        fields = [Field(name, _kind(name, *_format(document, item)), sensible.get(name),
                        _format(document, item)[1]) for name, item in schema.get("properties", {}).items()]
        arguments = {"reference": API_REFERENCES.get(endpoint, "HG-2026-0048"), "logger_id": free_logger}
        path = rule.build({name: arguments.get(name, 1) for name in rule.arguments})[1]
        operations.append((endpoint, method, path, fields))
    return operations


def _kind(name: str, input_type: str, json_type: str = "string") -> str:
    if input_type == "file":
        return "file"
    if input_type == "date" or DAY_NAMES.search(name):
        return "day"
    if input_type in ("datetime-local", "date-time") or TIME_NAMES.search(name):
        return "time"
    if input_type in ("number", "integer") or json_type in ("number", "integer") or NUMBER_NAMES.search(name):
        return "number"
    return "text"


def _resolved(document, schema):
    if "$ref" in schema:
        return document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _format(document, item) -> tuple[str, str]:
    """(format or type, JSON type) of a property, looking through anyOf (optional fields)."""
    for variant in [item, *item.get("anyOf", [])]:
        variant = _resolved(document, variant)
        if variant.get("type") not in (None, "null"):
            return variant.get("format", variant["type"]), variant["type"]
    return "string", "string"
