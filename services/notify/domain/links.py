"""Links written in messages, on the public address of the system."""

from __future__ import annotations

from urllib.parse import quote


def _base(public_url: str) -> str:
    return public_url.rstrip("/")


def set_pin_link(public_url: str, link_token: str) -> str:
    """The SET PIN link (ID-3). The token rides in the fragment, which browsers never
    send to a server: it stays out of web server logs and `Referer` headers."""
    return f"{_base(public_url)}/set-pin#token={quote(link_token, safe='')}"


def pending_link(public_url: str) -> str:
    """Where a parent approves, modifies or deletes pending records (ATT-2)."""
    return f"{_base(public_url)}/parent/pending"


def provider_link(public_url: str, provider_id: str, page: str) -> str:
    """A page of the provider's portal: `attendance` or `billing` (ATT-4, BILL-1)."""
    return f"{_base(public_url)}/provider/{quote(provider_id, safe='')}/{page}"


def registration_link(public_url: str) -> str:
    """Where a provider administrator registers with the code (ID-8)."""
    return f"{_base(public_url)}/provider/register"
