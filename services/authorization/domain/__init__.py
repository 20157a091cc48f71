"""Pure rules of the authorization service (AUTH-1..AUTH-4): plain functions over
plain values, with the moment passed in, never read from a clock."""

from services.authorization.domain.ages import age_in_months, month_ages, serves_age
from services.authorization.domain.announcement import (
    Waiting,
    announced_state,
    authorized_adults,
    waiting_for,
)
from services.authorization.domain.provider_status import (
    Ending,
    EndingReason,
    ProviderFacts,
    ending_for,
    provider_after,
)
from services.authorization.domain.versions import (
    VersionOutcome,
    changed_fields,
    fold_versions,
    version_outcome,
)

__all__ = [
    "Ending",
    "EndingReason",
    "ProviderFacts",
    "VersionOutcome",
    "Waiting",
    "age_in_months",
    "announced_state",
    "authorized_adults",
    "changed_fields",
    "ending_for",
    "fold_versions",
    "month_ages",
    "provider_after",
    "serves_age",
    "version_outcome",
    "waiting_for",
]
