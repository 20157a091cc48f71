"""Choices that depend on the provider a message is about: its languages and zone."""

from __future__ import annotations

from services.notify.domain.contacts import LANGUAGES, ProviderContact
from services.notify.domain.plans import Directory, Site
from shared.policy import UnknownProgram, load_pack


def offered_languages(provider: ProviderContact | None) -> tuple[str, ...]:
    """The languages the provider's program offers (NOT-1, its policy pack), or all."""
    if provider is None:
        return LANGUAGES
    try:
        return tuple(str(lang) for lang in load_pack(provider.program).notify.languages)
    except UnknownProgram:
        return LANGUAGES


def timezone_for(directory: Directory, site: Site) -> str:
    """The provider's zone (every date is the provider's, domain rules), else the best
    one known for the audience, else the site's default."""
    if directory.provider is not None:
        return directory.provider.timezone
    return directory.timezone or site.default_timezone
