"""The notify service's FastStream application (`ccats service notify`)."""

from faststream import FastStream

from services.runtime import create_runtime


def create_app() -> FastStream:
    return create_runtime("notify").app()
