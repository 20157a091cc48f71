"""Read requests for operators and other services' start-up (not changes)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shared.contract.base import ContractModel


class AuthorizationGet(ContractModel):
    """`authorization.get`: an authorization by id, with every version received."""

    authorization_id: Annotated[str, Field(min_length=1, max_length=200)]


QUERIES: dict[str, type] = {"authorization.get": AuthorizationGet}
"""Every read query, by subject (the AsyncAPI document lists each)."""
