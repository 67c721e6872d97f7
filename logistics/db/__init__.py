"""The database adapter: tables, engine, migrations and the audit listener."""
