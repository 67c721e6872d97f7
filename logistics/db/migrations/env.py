"""Alembic environment: the engine comes from `logistics.db.migrate`, the tables from the models."""

from alembic import context
from sqlmodel import SQLModel

import logistics.db.models  # noqa: F401  (registers the tables on SQLModel.metadata)

engine = context.config.attributes["engine"]
NOT_OURS = {"apscheduler_jobs"}  # the scheduler's job store creates and owns this table


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001, ANN201
    return not (type_ == "table" and name in NOT_OURS)


with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
        include_object=include_object,
    )
    context.run_migrations()
