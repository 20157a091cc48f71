"""The billing service's FastStream application (`ccats service billing`)."""

from faststream import FastStream

from services.runtime import create_runtime


def create_app() -> FastStream:
    return create_runtime("billing").app()
