"""Storage profiles as versioned records: the seed, new versions, the book the scan reads, the audit trail."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from logistics.core.profiles import profile_body, rule_body
from logistics.db.engine import unit_of_work
from logistics.db.models import AuditEvent, ExcursionRecord, Logger, StorageProfileVersion
from logistics.readers.config_files import load_alert_routes, load_profiles
from logistics.services import profiles
from logistics.services.errors import InputError, NotFound
from logistics.services.excursions import scan
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage
from tests.conftest import NOW

START = NOW - timedelta(hours=10)  # when LG-24003 joined HG-2026-0045 (refrigerated, in transit)


def send(runtime, readings, logger="LG-24003"):
    payload = json.dumps({"readings": [{"ts": time.isoformat(), "temp": temp} for time, temp in readings]})
    TelemetryStore(runtime.engine).store([IncomingMessage(source="mqtt", logger_code=logger,
                                                          payload=payload.encode(), received_at=NOW)])


def five_minutely(start, temperatures):
    return [(start + timedelta(minutes=5 * index), value) for index, value in enumerate(temperatures)]


def run_scan(runtime, now=NOW):
    with unit_of_work(runtime.sessions, actor="scheduler") as session:
        return scan(session, runtime.profiles, load_alert_routes(), now=now)


def stricter_refrigerated():
    """Version 2's body: the 30-minute rule above 8 °C becomes a 15-minute one, and major becomes critical
    for the cumulative rule."""
    body = profile_body(load_profiles()["refrigerated"])
    body.pop("version")
    rules = [rule for rule in body["rules"] if rule["name"] != "above_8c_30min"]
    rules.insert(0, {"name": "above_8c_15min", "kind": "above", "threshold_c": 8.0, "mode": "single",
                     "minutes": 15, "severity": "major"})
    return {**body, "rules": rules}


def add_version(runtime, name, body, *, by="qa", reason="stricter after the 2026 stability study", now=NOW):
    with unit_of_work(runtime.sessions, actor=by, reason=reason) as session:
        return profiles.add_profile_version(session, runtime.profiles, name, body, by=by, reason=reason,
                                            now=now)


def records(runtime):
    """LG-24003's records on HG-2026-0045 (the demo's silent LG-24002 has one of its own elsewhere)."""
    with runtime.sessions() as session:
        return list(session.exec(select(ExcursionRecord).join(Logger, Logger.id == ExcursionRecord.logger_id)
                                 .where(Logger.code == "LG-24003").order_by(col(ExcursionRecord.id))))


def test_the_book_reads_the_seed_until_the_database_holds_profiles(runtime):
    assert runtime.profiles == load_profiles()  # nothing recorded yet: config/profiles.toml
    with unit_of_work(runtime.sessions, actor="cli") as session:
        assert profiles.seed_profiles(session, load_profiles(), by="cli", now=NOW) == 5
        assert profiles.seed_profiles(session, load_profiles(), by="cli", now=NOW) == 0  # only once
    assert runtime.profiles == load_profiles()  # the same profiles, now read from their records
    with runtime.sessions() as session:
        rows = session.exec(select(StorageProfileVersion)).all()
    assert sorted((row.name, row.version, row.created_by) for row in rows) == [
        ("crt", 1, "cli"), ("dry_ice", 1, "cli"), ("frozen", 1, "cli"), ("ln2_vapour", 1, "cli"),
        ("refrigerated", 1, "cli")]


def test_a_profile_edit_is_version_2_the_scan_judges_by_it_and_past_records_stay_on_version_1(demo_runtime):
    # 40 min at 9.5 °C three hours in: version 1 records above_8c_30min.
    send(demo_runtime, five_minutely(START, [5.0] * 36 + [9.5] * 8 + [5.0] * 20))
    run_scan(demo_runtime)
    [first] = records(demo_runtime)
    assert (first.rule, first.profile, first.profile_version) == ("above_8c_30min", "refrigerated", 1)

    edited = add_version(demo_runtime, "refrigerated", stricter_refrigerated())
    assert edited.version == 2
    assert demo_runtime.profiles["refrigerated"] == edited  # no restart: the next call reads it

    # 15 min at 9 °C later on (55 min above in all, short of the cumulative 60): only version 2 calls
    # that an excursion.
    later = START + timedelta(minutes=5 * 64)
    send(demo_runtime, five_minutely(later, [9.0] * 3 + [5.0] * 6))
    run_scan(demo_runtime, now=NOW + timedelta(hours=1))
    kept, *found = records(demo_runtime)
    assert (kept.id, kept.rule, kept.profile_version, kept.status) == (first.id, "above_8c_30min", 1, "open")
    assert (kept.start, kept.duration_s, kept.peak) == (first.start, first.duration_s, first.peak)
    assert sorted((record.rule, record.start, record.profile_version) for record in found) == [
        ("above_8c_15min", first.start, 2), ("above_8c_15min", later, 2)]


def test_old_versions_stay_retrievable_and_every_version_is_in_the_audit_trail(demo_runtime):
    original = demo_runtime.profiles["refrigerated"]
    add_version(demo_runtime, "refrigerated", stricter_refrigerated())
    assert demo_runtime.book.profile("refrigerated", 1) == original
    assert demo_runtime.book.profile("refrigerated", 2).version == 2
    with pytest.raises(NotFound, match="no version 3"):
        demo_runtime.book.profile("refrigerated", 3)
    with demo_runtime.sessions() as session:
        rows = session.exec(select(StorageProfileVersion).where(StorageProfileVersion.name == "refrigerated")
                            .order_by(col(StorageProfileVersion.version))).all()
        events = session.exec(select(AuditEvent).where(AuditEvent.entity == "storage_profile_versions",
                                                       AuditEvent.entity_id == str(rows[1].id))).all()
        histories = {history.name: history for history in profiles.profile_histories(session, {})}
    assert [(row.version, row.created_by, row.reason) for row in rows] == [
        (1, "qa", "seeded from config/profiles.toml"), (2, "qa", "stricter after the 2026 stability study")]
    assert [(event.action, event.actor, event.reason) for event in events] == [
        ("create", "qa", "stricter after the 2026 stability study")]
    assert json.loads(rows[0].rules) == [rule_body(rule) for rule in original.rules]  # v1 as it was
    newest, oldest = histories["refrigerated"].versions
    assert (newest.profile.version, oldest.profile.version) == (2, 1)
    assert [change.what for change in newest.changes] == ["rule above_8c_30min", "rule above_8c_15min"]
    assert oldest.changes == ()


@pytest.mark.parametrize(("change", "field", "problem"), [
    ({"min_c": 9.0}, "min_c", "min_c is above max_c"),
    ({"shock_g": 0}, "shock_g", "shock_g must be above 0"),
    ({"max_hold_minutes": "soon"}, "max_hold_minutes", "must be a number"),
    ({"gap_severity": "dire"}, "gap_severity", "must be one of minor, major, critical"),
    ({"rules": [{"name": "x", "kind": "sideways", "threshold_c": 8, "mode": "single", "minutes": 1,
                 "severity": "major"}]}, "rules.1.kind", "kind must be one of above, below"),
    ({"rules": [{"name": "x", "kind": "above", "threshold_c": 8, "mode": "single", "minutes": -1,
                 "severity": "major"}]}, "rules.1.minutes", "minutes must not be negative"),
    ({"rules": [{"name": "x", "kind": "above", "threshold_c": 8, "mode": "single", "minutes": 1,
                 "severity": "major"}] * 2}, "rules.2.name", "another rule is named 'x'"),
    ({}, "profile", "nothing differs from version 1"),
])
def test_a_version_that_cannot_be_used_is_refused_naming_the_field(runtime, change, field, problem):
    body = profile_body(load_profiles()["refrigerated"])
    body.pop("version")
    with pytest.raises(InputError) as refused:
        add_version(runtime, "refrigerated", {**body, **change})
    assert field in refused.value.errors and problem in refused.value.errors[field]
    with runtime.sessions() as session:  # refused as a whole: not even the seed was recorded
        assert profiles.newest_version_id(session) is None


def test_a_version_needs_a_reason_and_a_known_profile(runtime):
    body = stricter_refrigerated()
    with pytest.raises(InputError) as refused:
        add_version(runtime, "refrigerated", body, reason="  ")
    assert "reason" in refused.value.errors
    with pytest.raises(NotFound, match="no storage profile 'chilled'"):
        add_version(runtime, "chilled", body)


def test_the_book_reads_the_versions_again_only_when_one_was_added(demo_runtime):
    add_version(demo_runtime, "refrigerated", stricter_refrigerated())
    statements = []

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(demo_runtime.engine, "before_cursor_execute", count)
    try:
        for _ in range(3):
            assert demo_runtime.profiles["refrigerated"].version == 2
    finally:
        event.remove(demo_runtime.engine, "before_cursor_execute", count)
    reads_of_rows = [statement for statement in statements
                     if "FROM storage_profile_versions" in statement and "max(" not in statement]
    assert len(reads_of_rows) == 1 and len(statements) - len(reads_of_rows) == 3  # one max(id) per call
