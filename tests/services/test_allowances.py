"""Items' stability allowances as versioned records, the item carrying the current one."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from logistics.db.engine import unit_of_work
from logistics.db.models import AuditEvent, Item, ItemAllowanceVersion
from logistics.services import allowances
from logistics.services.errors import InputError, NotFound
from tests.conftest import NOW


def add_version(runtime, code="SEL-CD34", *, reason="new stability data, report SR-2026-14", **values):
    values = {"budget_hours": 60.0, "limit_c": 25.0, "activation_energy_kj": 100.0, **values}
    with unit_of_work(runtime.sessions, actor="qa", reason=reason) as session:
        return allowances.add_allowance_version(session, code, **values, by="qa", reason=reason, now=NOW)


def item(runtime, code="SEL-CD34"):
    with runtime.sessions() as session:
        return session.exec(select(Item).where(Item.code == code)).one()


def test_an_item_added_with_an_allowance_has_its_first_version(demo_runtime):
    found = item(demo_runtime)
    with demo_runtime.sessions() as session:
        first = allowances.current_allowance(session, found.id)
        [row] = session.exec(select(ItemAllowanceVersion)
                             .where(ItemAllowanceVersion.item_id == found.id)).all()
    assert (first.version, first.budget_hours, first.limit_c) == (1, 72, 25)
    assert first.activation_energy_kj == 83.144
    assert (row.created_by, row.reason) == ("demo", "item added")


def test_a_new_version_becomes_the_items_allowance_and_the_old_one_stays(demo_runtime):
    second = add_version(demo_runtime)
    assert (second.version, second.budget_s, second.activation_energy_kj) == (2, 60 * 3600, 100.0)
    found = item(demo_runtime)
    assert (found.stability_budget_s, found.stability_limit_c) == (216_000, 25)
    assert found.activation_energy_kj == 100
    with demo_runtime.sessions() as session:
        [history] = [row for row in allowances.allowance_histories(session) if row.code == "SEL-CD34"]
        changed = session.exec(select(AuditEvent.field).where(AuditEvent.entity == "items",
                                                              AuditEvent.entity_id == str(found.id),
                                                              AuditEvent.action == "update")).all()
    assert [view.allowance.version for view in history.versions] == [2, 1]
    assert history.current == second
    assert [(change.what, change.before, change.after) for change in history.versions[0].changes] == [
        ("budget_hours", 72.0, 60.0), ("activation_energy_kj", 83.144, 100.0)]
    assert sorted(changed) == ["activation_energy_kj", "stability_budget_s"]  # in the audit trail


@pytest.mark.parametrize(("values", "field"), [
    ({"budget_hours": -1.0}, "budget_hours"),
    ({"limit_c": float("nan")}, "limit_c"),
    ({"activation_energy_kj": 0.0}, "activation_energy_kj"),
    ({"budget_hours": 72.0, "activation_energy_kj": 83.144}, "allowance"),  # as version 1
    ({"reason": ""}, "reason"),
])
def test_a_version_that_cannot_be_used_is_refused_naming_the_field(demo_runtime, values, field):
    with pytest.raises(InputError) as refused:
        add_version(demo_runtime, **values)
    assert field in refused.value.errors
    assert item(demo_runtime).stability_budget_s == 72 * 3600


def test_an_item_without_an_allowance_gets_one_and_an_unknown_item_none(demo_runtime):
    assert item(demo_runtime, "TE-POLOX").stability_budget_s is None
    assert add_version(demo_runtime, "TE-POLOX", budget_hours=24.0, limit_c=8.0).version == 1
    with pytest.raises(NotFound):
        add_version(demo_runtime, "NO-SUCH")


def test_items_from_before_versions_were_kept_get_their_first_version(demo_runtime):
    with unit_of_work(demo_runtime.sessions, actor="test") as session:
        old = Item(code="OLD-KIT", name="An item from before", category="reagent", storage_profile="crt",
                   unit="kit", stability_budget_s=10 * 3600, stability_limit_c=30)
        session.add(old)
    with unit_of_work(demo_runtime.sessions, actor="cli") as session:
        assert allowances.seed_allowances(session, by="cli", now=NOW) == 1
        assert allowances.seed_allowances(session, by="cli", now=NOW) == 0
        versions = session.exec(select(ItemAllowanceVersion).order_by(col(ItemAllowanceVersion.id))).all()
    assert (versions[-1].version, versions[-1].budget_s, versions[-1].created_by) == (1, 36_000, "cli")
