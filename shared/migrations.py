"""Each service's own Alembic history, run programmatically.

One environment (`shared/alembic/`) serves every service; each service keeps its
own revisions in `services/<name>/migrations/` and its version table in its own
schema, and autogenerate looks at that schema alone, so no service ever proposes
to drop another's tables.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from shared.db import sync_engine


def migrations_dir(service: str) -> Path:
    package = import_module(f"services.{service}")
    return Path(package.__file__).parent / "migrations"  # type: ignore[arg-type]


def alembic_config(service: str, database_url: str = "") -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "alembic"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(migrations_dir(service)))
    config.set_main_option("service", service)
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(service: str, database_url: str) -> None:
    """Bring the service's schema to the newest revision (safe to run concurrently)."""
    command.upgrade(alembic_config(service, database_url), "head")


def head_revision(service: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(service)).get_current_head()


def current_revision(connection: Connection, schema: str) -> str | None:
    ctx = MigrationContext.configure(connection, opts={"version_table_schema": schema})
    return ctx.get_current_revision()


def run_env(metadata: MetaData) -> None:
    """The body of every service's `env.py` (online migrations only)."""
    schema = metadata.schema
    assert schema, "a service's metadata names its schema"
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "alembic_config() sets the database URL"
    engine = sync_engine(url)
    try:
        with engine.connect() as connection:
            # One migrator at a time per schema: replicas may start together.
            connection.execute(text("SELECT pg_advisory_lock(hashtext(:s))"), {"s": schema})
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            connection.commit()
            context.configure(
                connection=connection,
                target_metadata=metadata,
                version_table_schema=schema,
                include_schemas=True,
                include_name=lambda name, type_, _parent: type_ != "schema" or name == schema,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
            connection.execute(text("SELECT pg_advisory_unlock(hashtext(:s))"), {"s": schema})
    finally:
        engine.dispose()
