"""The identity service's FastStream application (`ccats service identity`)."""

from faststream import FastStream

from services.runtime import create_runtime


def create_app() -> FastStream:
    return create_runtime("identity").app()
