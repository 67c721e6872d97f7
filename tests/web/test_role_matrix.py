"""Every write route against every role: refused (403) exactly when the role lacks the route's permission.

The table below is the contract. A write route that is not in it fails the test, so a new one cannot
land without someone deciding who may use it.
"""

import pytest

from logistics.core.roles import GRANTS, Permission, Role
from tests.web.conftest import csrf_token, login
from tests.web.test_access import all_routes

P = Permission
NEEDS: dict[str, Permission | None] = {
    # pages
    "pages.shipment_new": P.EDIT_SHIPMENTS, "pages.shipment_edit": P.EDIT_SHIPMENTS,
    "pages.shipment_import": P.EDIT_SHIPMENTS, "pages.shipment_line_add": P.EDIT_SHIPMENTS,
    "pages.shipment_line_remove": P.EDIT_SHIPMENTS, "pages.shipment_logger_remove": P.MANAGE_LOGGERS,
    "legs.add": P.EDIT_SHIPMENTS, "legs.times": P.EDIT_SHIPMENTS, "legs.edit": P.EDIT_SHIPMENTS,
    "legs.delete": P.EDIT_SHIPMENTS, "pages.shipment_milestone_add": P.EDIT_SHIPMENTS,
    "pages.shipment_status": P.EDIT_SHIPMENTS,
    "pages.shipment_logger_assign": P.MANAGE_LOGGERS, "pages.shipment_logger_stop": P.MANAGE_LOGGERS,
    "registry.logger_add": P.MANAGE_LOGGERS, "registry.logger_retire": P.MANAGE_LOGGERS,
    "pages.excursion_acknowledge": P.ACKNOWLEDGE_EXCURSIONS, "pages.excursion_resolve": P.RESOLVE_EXCURSIONS,
    "receiving.record": P.RECEIVE, "receiving.stop_loggers": P.RECEIVE, "stock.consume": P.RECEIVE,
    "receiving.qa_sign": P.RELEASE, "receiving.qa_assess": P.RELEASE, "stock.recall": P.RELEASE,
    "storage.zone_add": P.MANAGE_LOGGERS, "storage.zone_logger_assign": P.MANAGE_LOGGERS,
    "storage.zone_logger_stop": P.MANAGE_LOGGERS,
    "storage.excursion_acknowledge": P.ACKNOWLEDGE_EXCURSIONS,
    "storage.excursion_resolve": P.RESOLVE_EXCURSIONS,
    "recruitment.save_plan": P.PLAN_SUPPLY, "recruitment.save_site": P.PLAN_SUPPLY,
    "recruitment.add_bom_line": P.PLAN_SUPPLY, "recruitment.remove_bom_line": P.PLAN_SUPPLY,
    "recruitment.set_supply_terms": P.PLAN_SUPPLY, "recruitment.set_max_quantity": P.PLAN_SUPPLY,
    "recruitment.set_cut_offs": P.PLAN_SUPPLY,
    "forecast.run_now": P.PLAN_SUPPLY,
    "recruitment.enrol": P.RECORD_ENROLMENTS, "recruitment.import_enrolments": P.RECORD_ENROLMENTS,
    "profiles.profile_save": P.MANAGE_PROFILES, "profiles.allowance_save": P.MANAGE_PROFILES,
    "lanes.lane_new": P.EDIT_SHIPMENTS, "lanes.lane_edit": P.EDIT_SHIPMENTS,
    "lanes.shipment_from_lane": P.EDIT_SHIPMENTS, "handover.end_links": P.EDIT_SHIPMENTS,
    "permits.permit_new": P.EDIT_SHIPMENTS, "permits.permit_edit": P.EDIT_SHIPMENTS,
    "permits.hs_code_set": P.EDIT_SHIPMENTS, "permits.papers_save": P.EDIT_SHIPMENTS,
    "pages.dispatch_override": P.OVERRIDE_DISPATCH,
    "sites.site_edit": P.EDIT_SHIPMENTS,
    # API
    "api.create_shipment": P.EDIT_SHIPMENTS, "api.update_shipment": P.EDIT_SHIPMENTS,
    "api.add_line": P.EDIT_SHIPMENTS, "api.remove_line": P.EDIT_SHIPMENTS, "api.add_leg": P.EDIT_SHIPMENTS,
    "api.record_leg": P.EDIT_SHIPMENTS, "api.correct_leg": P.EDIT_SHIPMENTS,
    "api.delete_leg": P.EDIT_SHIPMENTS, "api.add_milestone": P.EDIT_SHIPMENTS,
    "api.register_logger": P.MANAGE_LOGGERS, "api.assign_logger": P.MANAGE_LOGGERS,
    "api.retire_logger": P.MANAGE_LOGGERS,
    "api.acknowledge_excursion": P.ACKNOWLEDGE_EXCURSIONS, "api.resolve_excursion": P.RESOLVE_EXCURSIONS,
    "api.create_lane": P.EDIT_SHIPMENTS, "api.update_lane": P.EDIT_SHIPMENTS,
    "api.ship_from_lane": P.EDIT_SHIPMENTS,
    "api.create_permit": P.EDIT_SHIPMENTS, "api.update_permit": P.EDIT_SHIPMENTS,
    "api.set_hs_code": P.EDIT_SHIPMENTS, "api.update_papers": P.EDIT_SHIPMENTS,
    "api.override_gate": P.OVERRIDE_DISPATCH,
    "api.update_site": P.EDIT_SHIPMENTS,
    "api.consume": P.RECEIVE, "api.run_forecast": P.PLAN_SUPPLY,
    "api.set_cut_offs": P.PLAN_SUPPLY, "api.add_enrolment": P.RECORD_ENROLMENTS,
    # open to every signed-in user (or to anyone): they change no record
    "auth.login": None, "auth.logout": None, "i18n.choose": None,
    # authenticated by the logger's own credentials (tests/ingest/test_http_ingest.py), or by a
    # one-shipment hand-over link (tests/web/test_handover_pages.py)
    "telemetry.post_readings": None, "handover.link_record": None,
}


def write_routes(app):
    return [(endpoint, method, path) for endpoint, method, path in all_routes(app) if method != "GET"]


def test_every_write_route_is_in_the_table(app):
    endpoints = {endpoint for endpoint, _method, _path in write_routes(app)}
    assert endpoints - NEEDS.keys() == set(), "write routes nobody has decided the roles of"
    assert NEEDS.keys() - endpoints == set(), "the table names routes that no longer exist"


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_write_exactly_where_its_permissions_allow(app, token_for, role):
    page_client = login(app.test_client(), role.value)  # the demo has one user per role, named after it
    form = {"csrf_token": csrf_token(page_client, "/shipments")}
    api = {"Authorization": f"Bearer {token_for(role.value)}"}
    checked = 0
    for endpoint, method, path in write_routes(app):
        permission = NEEDS[endpoint]
        if permission is None:
            continue
        if path.startswith("/api/"):
            response = app.test_client().open(path, method=method, headers=api, json={})
        else:
            response = page_client.open(path, method=method, data=form)
        allowed = permission in GRANTS[role]
        assert response.status_code < 500, (role, method, path, response.status_code)
        assert (response.status_code == 403) == (not allowed), (role, method, path, response.status_code)
        checked += 1
    assert checked == sum(permission is not None for permission in NEEDS.values())


def test_every_form_refuses_a_post_without_its_csrf_token(app):
    signed_in = login(app.test_client(), "admin")  # may use every form: only the token is missing
    forms = [(method, path) for _endpoint, method, path in write_routes(app) if not path.startswith("/api/")]
    assert len(forms) >= 25, forms
    for method, path in forms:
        response = signed_in.open(path, method=method, data={})
        assert response.status_code == 400, (method, path, response.status_code)
        assert "CSRF" in response.get_data(as_text=True), (method, path)
