"""The attendance service's FastStream application (`ccats service attendance`)."""

from faststream import FastStream

from services.runtime import create_runtime


def create_app() -> FastStream:
    return create_runtime("attendance").app()
