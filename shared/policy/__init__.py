"""Policy packs: one data file per program, so that services never ask which state.

`load_pack("texas")` reads `packs/texas.toml` once and validates it against
`PolicyPack`. Adding a program is adding a pack file (architecture rule 3).
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

from shared.policy.model import (
    AbsenceExceptionKind,
    AgeReadOn,
    ClaimMethod,
    ClaimUnit,
    CorrectionWindow,
    Credential,
    Language,
    OnHoldTap,
    PolicyPack,
    ProviderType,
    StaffRole,
)

__all__ = [
    "PROGRAMS",
    "AbsenceExceptionKind",
    "AgeReadOn",
    "ClaimMethod",
    "ClaimUnit",
    "CorrectionWindow",
    "Credential",
    "Language",
    "OnHoldTap",
    "PolicyPack",
    "ProviderType",
    "StaffRole",
    "UnknownProgram",
    "all_packs",
    "load_pack",
]

_SUFFIX = ".toml"
_PACKS: Traversable = files(__name__).joinpath("packs")


class UnknownProgram(ValueError):
    """A program name with no pack file: a provider record or command names no known program."""

    def __init__(self, program: str) -> None:
        super().__init__(f"no policy pack for program {program!r}; known: {', '.join(PROGRAMS)}")
        self.program = program


def _pack_names() -> tuple[str, ...]:
    return tuple(
        sorted(
            entry.name.removesuffix(_SUFFIX)
            for entry in _PACKS.iterdir()
            if entry.is_file() and entry.name.endswith(_SUFFIX)
        )
    )


PROGRAMS: tuple[str, ...] = _pack_names()


@cache
def load_pack(program: str) -> PolicyPack:
    """The validated pack of `program`; read once, then served from memory."""
    if program not in PROGRAMS:
        raise UnknownProgram(program)
    data = tomllib.loads(_PACKS.joinpath(program + _SUFFIX).read_text(encoding="utf-8"))
    pack = PolicyPack.model_validate(data)
    if pack.program != program:
        raise ValueError(f"packs/{program}{_SUFFIX} declares program {pack.program!r}")
    return pack


def all_packs() -> dict[str, PolicyPack]:
    """Every known pack by program name, e.g. to check them all at start-up."""
    return {program: load_pack(program) for program in PROGRAMS}
