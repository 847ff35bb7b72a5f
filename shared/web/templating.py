"""Jinja2 set-up shared by both sides: template folder, static URLs, filters, flash messages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from markupsafe import Markup, escape

from shared.money import format_money
from shared.rights.rules import CHANNEL_LABELS
from shared.settings import Settings
from shared.web.static_assets import asset

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"


def static_url(path: str) -> str:
    """The old spelling of asset() ('dist/app-style.css' -> asset('app.css')), kept so templates written
    before hashed assets still render. New templates call asset('app.js')."""
    name = path.rsplit("/", 1)[-1].replace("-style.css", ".css")
    return asset(name)


# The one way dates and times read, on both sides: "Mon 14 Dec 2026" and "Mon 14 Dec 2026, 21:55".
# app.js (localiseTimes) writes the same pattern in the viewer's own time zone.
DAY_FORMAT = "%a %d %b %Y"


def when(value: dt.date | dt.datetime | None) -> Markup | str:
    """The one date filter (also registered as `day` and `local_time`).

    A date (no time zone) reads 'Mon 14 Dec 2026'; a moment becomes a <time> in UTC that app.js
    rewrites into the viewer's zone in the same pattern ('Mon 14 Dec 2026, 21:55').
    """
    if value is None:
        return "—"
    if not isinstance(value, dt.datetime):
        return value.strftime(DAY_FORMAT)
    utc = value.astimezone(dt.UTC)
    return Markup('<time datetime="{iso}" data-local>{text}</time>').format(
        iso=utc.isoformat(), text=escape(utc.strftime(f"{DAY_FORMAT}, %H:%M UTC"))
    )


def local_time(value: dt.datetime | None) -> Markup | str:
    """A moment, in the viewer's zone (see `when`)."""
    return when(value)


def format_day(value: dt.date | None) -> str:
    """A calendar date people read at a glance: 'Mon 14 Dec 2026' (dates have no time zone)."""
    return str(when(value)) if not isinstance(value, dt.datetime) else str(when(value.date()))


def build_environment(settings: Settings) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml"]),
        auto_reload=settings.is_dev,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(asset=asset, static_url=static_url, app_env=settings.env, rights_channels=CHANNEL_LABELS)
    env.filters.update(when=when, local_time=local_time, money=format_money, day=format_day)
    return env


def template_config(settings: Settings) -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(engine=JinjaTemplateEngine.from_environment(build_environment(settings)))
