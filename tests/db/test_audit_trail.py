"""Every change to a GxP record is in the append-only, hash-chained audit trail."""

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from logistics.db.audit import AuditError
from logistics.db.engine import unit_of_work
from logistics.db.models import AuditEvent, Site, User
from logistics.services import users
from logistics.services.audit import verify_audit_trail


def add_site(session, code="SZX"):
    site = Site(code=code, name="Shenzhen Bao'an", kind="airport", country="CN",
                timezone="Asia/Shanghai")
    session.add(site)
    return site


def events(runtime):
    with runtime.sessions() as session:
        return session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()


def test_create_update_delete_are_recorded_with_who_and_why(runtime):
    with unit_of_work(runtime.sessions, actor="alice", reason="new airport") as session:
        add_site(session)
    with unit_of_work(runtime.sessions, actor="bob", reason="official name") as session:
        site = session.exec(select(Site)).one()
        site.name = "Shenzhen Bao'an International"
        site.kind = "airport"  # unchanged: no event
    with unit_of_work(runtime.sessions, actor="carol", reason="duplicate") as session:
        session.delete(session.exec(select(Site)).one())

    create, update, delete = events(runtime)
    assert (create.actor, create.action, create.entity, create.reason) == (
        "alice", "create", "sites", "new airport")
    assert json.loads(create.new_value)["code"] == "SZX"
    assert (update.actor, update.field, update.reason) == ("bob", "name", "official name")
    assert (json.loads(update.old_value), json.loads(update.new_value)) == (
        "Shenzhen Bao'an", "Shenzhen Bao'an International")
    assert (delete.action, json.loads(delete.old_value)["name"]) == (
        "delete", "Shenzhen Bao'an International")
    assert create.entity_id == update.entity_id == delete.entity_id
    assert verified(runtime) == (3, None)


def test_a_rolled_back_change_leaves_no_event(runtime):
    with pytest.raises(RuntimeError):
        with unit_of_work(runtime.sessions, actor="alice") as session:
            add_site(session)
            session.flush()
            raise RuntimeError("abandon")
    assert events(runtime) == []


def test_a_change_without_an_actor_is_refused(runtime):
    with pytest.raises(AuditError, match="need an actor"):
        with runtime.sessions() as session, session.begin():
            add_site(session)
    with runtime.sessions() as session:
        assert session.exec(select(Site)).all() == []


def test_secrets_never_reach_the_trail(runtime):
    with unit_of_work(runtime.sessions, actor="admin") as session:
        users.add_user(session, username="nok", role="pharmacy", password="first-password")
    with unit_of_work(runtime.sessions, actor="admin", reason="reset") as session:
        users.set_password(session, "nok", "second-password")
    with runtime.sessions() as session:
        stored = session.exec(select(User.password_hash)).one()
    trail = " ".join(f"{e.old_value} {e.new_value}" for e in events(runtime))
    assert stored not in trail and "argon2" not in trail
    assert "[redacted]" in trail


def test_audit_rows_cannot_be_updated_or_deleted(runtime):
    with unit_of_work(runtime.sessions, actor="alice") as session:
        add_site(session)
    for statement in ("UPDATE audit_events SET actor = 'mallory'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            with runtime.engine.begin() as connection:
                connection.execute(text(statement))
    assert events(runtime)[0].actor == "alice"


@pytest.mark.audit_tampered
def test_editing_a_row_by_hand_breaks_verification(runtime):
    with unit_of_work(runtime.sessions, actor="alice") as session:
        add_site(session, "SZX")
        add_site(session, "HKG")
    with unit_of_work(runtime.sessions, actor="bob") as session:
        session.exec(select(Site).where(Site.code == "HKG")).one().name = "Chek Lap Kok"
    assert verified(runtime) == (3, None)

    with runtime.engine.begin() as connection:
        disable_append_only_guard(connection)
        connection.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE id = 2"))
    count, broken = verified(runtime)
    assert broken.event_id == 2 and "edited" in broken.problem


@pytest.mark.audit_tampered
def test_removing_a_row_by_hand_breaks_verification(runtime):
    with unit_of_work(runtime.sessions, actor="alice") as session:
        for code in ("SZX", "HKG", "BKK"):
            add_site(session, code)
    with runtime.engine.begin() as connection:
        disable_append_only_guard(connection)
        connection.execute(text("DELETE FROM audit_events WHERE id = 2"))
    count, broken = verified(runtime)
    assert (count, broken.event_id) == (2, 3)


def verified(runtime):
    with runtime.sessions() as session:
        return verify_audit_trail(session)


def disable_append_only_guard(connection):
    """What someone editing by hand would have to do first."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    else:
        connection.execute(text("DROP TRIGGER audit_events_no_update"))
        connection.execute(text("DROP TRIGGER audit_events_no_delete"))
