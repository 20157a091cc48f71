"""The authorization service's FastStream application.

Run alone with `ccats service authorization`, or
`faststream run services.authorization.app:create_app --factory`.
"""

from faststream import FastStream

from services.runtime import create_runtime


def create_app() -> FastStream:
    return create_runtime("authorization").app()
