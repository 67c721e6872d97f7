"""One page of a listing, and how many rows the whole listing has."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select


def one_page(session: Session, query: Any, *, page: int, per_page: int) -> tuple[Sequence[Any], int]:
    """The rows of page `page` (from 1) of the ordered `query`, and the number of rows in all pages."""
    total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    rows = session.exec(query.offset((page - 1) * per_page).limit(per_page)).all()
    return rows, int(total)
