"""Database engine and the one-schema-per-service helpers (architecture rule 1)."""

from __future__ import annotations

from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def sqlalchemy_url(url: str) -> str:
    """A libpq URL (`postgresql://...?host=/socket/dir`) as SQLAlchemy's psycopg 3 URL."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.drivername != "postgresql+psycopg":
        raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, not {parsed.drivername!r}")
    return parsed.render_as_string(hide_password=False)


def async_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    """The engine a service uses; each connection lives in the service's schema."""
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=5,
        pool_pre_ping=True,
        hide_parameters=True,  # a failing statement's error must not carry a PIN hash or token
    )


def sync_engine(url: str) -> Engine:
    """For migrations and tools that run outside an event loop."""
    return create_engine(sqlalchemy_url(url), pool_size=1, max_overflow=0, hide_parameters=True)


def service_metadata(schema: str) -> MetaData:
    """Tables of one service, all in its own schema, with stable constraint names."""
    return MetaData(
        schema=schema,
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        },
    )
