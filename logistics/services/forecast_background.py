"""A forecast run started from the page, in a thread of the web process: a large forecast (years ahead,
100,000 futures) takes longer than a request should wait. One runs at a time; the page polls how far it is.

The state lives in one object per web application (not in a module global), so it is the state of this
process: behind several web workers, a page served by another worker does not see the run (it sees the
new forecast once it is stored).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from logistics.core.forecast_inputs import ForecastError
from logistics.db.engine import unit_of_work
from logistics.services import forecasting

if TYPE_CHECKING:
    from sqlalchemy.orm import sessionmaker
    from sqlmodel import Session

    from logistics.core.forecast import Forecast
    from logistics.settings import Settings

log = logging.getLogger(__name__)
REASON = "reorder forecast run from the page"
Compute = Callable[[dict[str, Any], forecasting.Progress], "Forecast"]  # a scenario document's forecast


@dataclass(frozen=True)
class RunStatus:
    """Where the latest run started from the page stands."""

    state: str  # running, done, failed
    by: str
    started_at: datetime
    done: int = 0  # steps done, of `total` (0 of 0 until the forecast first reports)
    total: int = 0
    finished_at: datetime | None = None
    run_id: int | None = None  # the stored forecast, once done
    as_of: date | None = None
    problem: str | None = None  # why it failed, when it could say (else see the server log)

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def share(self) -> float | None:
        """How much is done, from 0 to 1; None before the first report."""
        return self.done / self.total if self.total else None


class BackgroundForecasts:
    """Runs the forecast in a thread, one at a time, each in a database session of its own (the request's
    is closed when the view returns)."""

    def __init__(self, compute: Compute = forecasting.compute_with_progress) -> None:
        self._compute = compute  # tests hand in one they can hold
        self._lock = threading.Lock()
        self._status: RunStatus | None = None

    def status(self) -> RunStatus | None:
        with self._lock:
            return self._status

    def start(self, sessions: sessionmaker[Session], settings: Settings, *, by: str, now: datetime) -> bool:
        """Start a run signed by `by`; False (and nothing started) while one is running."""
        with self._lock:
            if self._status is not None and self._status.running:
                return False
            self._status = RunStatus("running", by, now)
        threading.Thread(target=self._run, args=(sessions, settings, by, now), daemon=True,
                         name="forecast-run").start()
        return True

    def _run(self, sessions: sessionmaker[Session], settings: Settings, by: str, now: datetime) -> None:
        try:
            run_id, as_of = self._forecast(sessions, settings, by, now)
        except (forecasting.NoPlan, ForecastError) as error:
            self._finish(state="failed", problem=str(error))
        except Exception:  # a thread has nobody to raise to: the page says it failed, the log says why
            log.exception("the forecast run started by %s failed", by)
            self._finish(state="failed")
        else:
            self._finish(state="done", run_id=run_id, as_of=as_of)

    def _forecast(self, sessions: sessionmaker[Session], settings: Settings, by: str,
                  now: datetime) -> tuple[int | None, date]:
        """Read the inputs, compute outside any transaction (a write transaction held for minutes would
        hold up every other writer), then store the result in a short one."""
        with sessions() as session:
            document = forecasting.inputs(session, settings, as_of=forecasting.today(settings, now))
        started = time.perf_counter()
        result = self._compute(document, self._report)
        with unit_of_work(sessions, actor=by, reason=REASON) as session:
            run = forecasting.keep(session, document, result, now=now, trigger="manual",
                                   seconds=time.perf_counter() - started)
            return run.id, run.as_of

    def _report(self, done: int, total: int) -> None:
        with self._lock:
            if self._status is not None:
                self._status = replace(self._status, done=done, total=total)

    def _finish(self, *, state: str, problem: str | None = None, run_id: int | None = None,
                as_of: date | None = None) -> None:
        with self._lock:
            if self._status is not None:
                self._status = replace(self._status, state=state, problem=problem, run_id=run_id, as_of=as_of,
                                       finished_at=datetime.now(UTC))
