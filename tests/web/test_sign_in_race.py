"""Sign-in throttling holds under concurrency: many wrong passwords sent at the same moment to a real
multi-threaded server get no more passwords checked than `login_max_failures`, on SQLite and PostgreSQL.
Each attempt is counted, under a lock, before its password is looked at."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import col, select

from logistics.db.models import LoginAttempt
from tests.conftest import DEMO_PASSWORD, password_at_production_cost
from tests.web.live_server import form_session, web_server

ATTEMPTS = 40


def test_concurrent_wrong_passwords_check_no_more_than_the_limit(demo_runtime):
    limit = demo_runtime.settings.login_max_failures
    password_at_production_cost(demo_runtime, "qa")
    with web_server(demo_runtime.settings.database_url) as url:
        forms = [form_session(url) for _ in range(ATTEMPTS)]
        start = threading.Barrier(ATTEMPTS)

        def guess(form):
            http, token = form
            start.wait()
            return http.post(f"{url}/login", timeout=120, allow_redirects=False, data={
                "username": "qa", "password": "wrong-guess", "csrf_token": token}).status_code

        with ThreadPoolExecutor(ATTEMPTS) as pool:
            codes = list(pool.map(guess, forms))
        http, token = form_session(url)
        right = http.post(f"{url}/login", timeout=30, allow_redirects=False,
                          data={"username": "qa", "password": DEMO_PASSWORD, "csrf_token": token})
        for http, _token in forms:
            http.close()

    assert codes.count(401) == limit  # each of these checked a password
    assert codes.count(429) == ATTEMPTS - limit  # refused before looking at it
    assert right.status_code == 429  # the name stays locked, even for the right password
    with demo_runtime.sessions() as session:
        attempts = session.exec(select(LoginAttempt).where(LoginAttempt.username == "qa")).all()
        assert len(attempts) == limit and not any(attempt.ok for attempt in attempts)
        assert session.exec(select(LoginAttempt).where(col(LoginAttempt.ok))).all() == []
