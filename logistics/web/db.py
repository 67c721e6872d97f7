"""One database session per request, signed with the signed-in user's name for the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Flask, abort, current_app, flash, g, redirect
from flask_login import current_user

from logistics.db.engine import begin_writing
from logistics.services.errors import InputError, NotFound
from logistics.web import form_state

if TYPE_CHECKING:
    from sqlmodel import Session  # what the services take; the views hand it on and query nothing

    from logistics.app import Runtime


def runtime() -> Runtime:
    return current_app.extensions["logistics"]  # type: ignore[no-any-return]


def session() -> Session:
    """The request's session; changes commit only when a view calls `commit()`."""
    if "db_session" not in g:
        actor = current_user.username if current_user.is_authenticated else None
        g.db_session = runtime().sessions(info={"actor": actor, "reason": None})
    return g.db_session  # type: ignore[no-any-return]


def writing(reason: str) -> Session:
    """The request's session, set to record `reason` on the audit events of what follows.

    What the request read so far ends here, and a writing transaction begins (see `begin_writing`).
    """
    current = session()
    current.commit()
    current.info["reason"] = reason
    begin_writing(current.connection())
    return current


def commit() -> None:
    session().commit()


def one_change(reason: str, done: str, step: Callable[[Session], object], back_to: str) -> Any:
    """Make one change from a button on a page, then show the page (`back_to`) again with the outcome:
    `done` after a redirect, or, refused, the same page answered 422 with the form as typed and each
    refusal beside its field (`form_state`). `reason` goes to the audit trail (in English, as records are
    kept); `done` is shown to the user."""
    writer = writing(reason)
    try:
        step(writer)
        commit()
    except NotFound:
        abort(404)
    except InputError as error:
        writer.rollback()
        return form_state.page_again(back_to, error.errors)
    flash(done, "info")
    return redirect(back_to)


def install(app: Flask) -> None:
    @app.teardown_appcontext
    def _close(_error: Any) -> None:
        current = g.pop("db_session", None)
        if current is not None:
            current.close()
