"""A database that refuses writes (here PostgreSQL read-only, as a standby is): pages and the API answer 503
naming the database's reason, the command line a one-line error; nothing is saved."""

from sqlalchemy import func
from sqlmodel import select

from logistics.app import build_runtime
from logistics.db.engine import unit_of_work
from logistics.db.models import Milestone
from logistics.services import users
from tests.conftest import _pg_database, pg_read_only, settings_for
from tests.web.conftest import csrf_token, login, web_app

MILESTONES = "/shipments/HG-2026-0045/milestones"


def milestones(runtime):
    runtime.engine.dispose()  # its pooled connections were cut
    with runtime.sessions() as session:
        return session.exec(select(func.count()).select_from(Milestone)).one()


def test_a_read_only_database_is_named_and_nothing_is_saved(pg_templates, pg_drops, run):
    with _pg_database(pg_templates["demo"], drop=pg_drops) as url:
        runtime = build_runtime(settings_for(url))
        try:
            app = web_app(runtime)
            page_client = login(app.test_client(), "logistics")
            form = {"kind": "landed", "at": "2026-11-24T15:10", "site": "BKK",
                    "csrf_token": csrf_token(page_client, "/shipments/HG-2026-0045")}
            with unit_of_work(runtime.sessions, actor="test") as session:
                bearer = {"Authorization": f"Bearer {users.issue_token(session, 'logistics')}"}
            before = milestones(runtime)
            pg_read_only(url, True)

            page = page_client.post(MILESTONES, data=form)
            assert page.status_code == 503 and page.headers["Retry-After"] == "30"
            text = page.get_data(as_text=True)
            assert "Database unavailable" in text and "read-only transaction" in text
            assert "Nothing was saved" in text
            api = app.test_client().post(f"/api/v1{MILESTONES}", headers=bearer, json={
                "kind": "landed", "at": "2026-11-24T15:10:00+07:00", "site": "BKK"})
            assert api.status_code == 503 and api.headers["Retry-After"] == "30"
            assert "read-only transaction" in api.get_json()["error"], api.get_json()
            command = run("loggers", "add", "LG-RO", "--serial", "RO-1", check=False,
                          LOGISTICS_DATABASE_URL=url)
            assert command.returncode == 1 and command.stderr.strip() == (
                "Error: the database refused the change (cannot execute INSERT in a read-only transaction); "
                "nothing was saved")

            pg_read_only(url, False)
            assert milestones(runtime) == before
        finally:
            pg_read_only(url, False)
            runtime.close()
