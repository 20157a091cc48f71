"""Turns a decided message into its words: subject, plain text, HTML and a text
message, from the Jinja2 templates of the reader's language (NOT-1).

Each `templates/<lang>/<kind>.j2` extends its language's `_base.j2` and fills
the blocks `subject`, `text`, `html` and `sms`; `part` chooses which is
rendered. HTML is rendered by an environment that escapes every value, so a
name can never inject markup; the other parts are plain text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from services.notify.domain.contacts import LANGUAGES
from services.notify.domain.days import zone
from services.notify.domain.kinds import MessageKind
from services.notify.formatting import Formatter

TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str


def _formatter_filter(method: str) -> Any:
    @pass_context
    def apply(context: Context, value: Any) -> str:
        return getattr(context["fmt"], method)(value)

    return apply


def _button(url: str, label: str) -> Markup:
    """A link drawn as a button, readable by mail clients that strip styles too."""
    style = (
        "display:inline-block;padding:12px 20px;background:#1d4ed8;color:#ffffff;"
        "text-decoration:none;border-radius:6px;font-weight:bold"
    )
    return Markup(f'<p><a href="{escape(url)}" style="{style}">{escape(label)}</a></p>')


def _environment(*, html: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    for name in ("day", "short_day", "clock", "moment", "month", "number"):
        env.filters[name] = _formatter_filter(name)
    env.globals["button"] = _button
    return env


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


class Composer:
    """Renders messages; templates are loaded once and kept."""

    def __init__(self) -> None:
        self._text = _environment(html=False)
        self._html = _environment(html=True)

    def render(
        self,
        kind: MessageKind,
        language: str,
        timezone: str,
        facts: Mapping[str, Any],
    ) -> Rendered:
        lang = language if language in LANGUAGES else LANGUAGES[0]
        name = f"{lang}/{kind.value}.j2"
        values = {
            **facts,
            "fmt": Formatter(lang, zone(timezone)),
            "name": facts.get("first_name") or facts.get("provider_name") or "",
        }

        def part(env: Environment, which: str) -> str:
            return env.get_template(name).render(values, part=which)

        return Rendered(
            subject=_one_line(part(self._text, "subject")),
            text=_tidy_text(part(self._text, "text")),
            html=part(self._html, "html").strip() + "\n",
            sms=_one_line(part(self._text, "sms")),
        )
