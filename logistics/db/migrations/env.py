"""Alembic environment: the engine comes from `logistics.db.migrate`, the tables from the models."""

from alembic import context
from sqlmodel import SQLModel

import logistics.db.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from logistics.db.migrate import schema_filter

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
        include_object=schema_filter(engine.dialect.name),
    )
    context.run_migrations()
