"""Alembic environment shared by every service; the service's own history is
in `services/<name>/migrations/` and its version table in its own schema."""

from importlib import import_module

from alembic import context

from shared.migrations import run_env

service = context.config.get_main_option("service")
run_env(import_module(f"services.{service}.store").metadata)
