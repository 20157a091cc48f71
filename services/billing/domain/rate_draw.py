"""The yearly rate verification draw (BILL-10).

A program whose pack sets `rate_verification_fraction` draws that share of its
licensed providers (every type but license-exempt) once a year. The draw is
reproducible: the population is sorted, the count is the fraction rounded up ("no
less than 10%"), and the sample comes from Python's `random.Random` seeded with
the text `ccats-rate-draw/<program>/<year>/<seed>` (a str seed is hashed with
SHA-512, stable across Python versions), so anyone holding the recorded
population and seed gets the same providers.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from decimal import Decimal

LICENSE_EXEMPT = "license_exempt"


def is_licensed(provider_type: str) -> bool:
    return provider_type != LICENSE_EXEMPT


def draw_size(population: int, fraction: Decimal) -> int:
    """Providers to draw: the fraction of the population, rounded up."""
    return min(population, math.ceil(population * fraction))


def draw_providers(
    population: Iterable[str], fraction: Decimal, *, program: str, year: int, seed: str
) -> tuple[str, ...]:
    """The providers drawn, in id order."""
    pool = sorted(set(population))
    rng = random.Random(f"ccats-rate-draw/{program}/{year}/{seed}")
    return tuple(sorted(rng.sample(pool, draw_size(len(pool), fraction))))
