"""Jinja2 set-up shared by both sides: template folder, static URLs, filters, flash messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, Template, nodes, select_autoescape
from jinja2.compiler import CodeGenerator, Frame
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from markupsafe import Markup, escape

from shared.dates import DAY_FORMAT
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


_escape_inner: Callable[[str], str] | None
try:  # markupsafe's C escaping, without the Python-level Markup constructor around it
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover - markupsafe without its compiled speed-ups
    _escape_inner = None

_new_str = str.__new__


def _escape(value: Any) -> Markup:
    """markupsafe.escape, minus `Markup.__new__` (a Python call that looks for `__html__` again) for plain
    strings: the same Markup, made directly. Every `{{ value }}` of an autoescaped template goes through
    here; on the roster page it was the largest single cost of a request (bench/http_bench.py --profile)."""
    if type(value) is str and _escape_inner is not None:
        return _new_str(Markup, _escape_inner(value))
    if type(value) is int:  # ids and counts: their digits need no escaping
        return _new_str(Markup, str(value))
    return escape(value)


class RapportTemplate(Template):
    """Jinja's Template, whose compiled code escapes output with `_escape` and joins grouped output with
    `_join` (see GroupedOutputCodeGenerator)."""

    @classmethod
    def _from_namespace(
        cls, environment: Environment, namespace: MutableMapping[str, Any], globals: MutableMapping[str, Any]
    ) -> Template:
        if namespace.get("escape") is escape:
            namespace["escape"] = _escape
        namespace[_JOIN] = "".join
        return super()._from_namespace(environment, namespace, globals)


_JOIN = "_rapport_join"
_GROUP = "_rapport_group"


class GroupedOutputCodeGenerator(CodeGenerator):
    """Jinja's code generator, yielding each run of output once instead of once per piece.

    Jinja 3 compiles `<td>{{ a }} / {{ b }}</td>` into five `yield`s, and every yielded piece climbs
    through each block and `extends` level above it (a back-office page is three) before Template.render
    joins them: on the roster's 50 rows that was ~1,700 pieces a request and most of its template time
    (bench/profile_page.py). Here a run of output between two tags becomes one `yield _join((...))` of
    the same pieces, escaped exactly as before. Only the unbuffered case changes: macros, call blocks and
    `{% set %}` blocks already collect into a list, and Jinja's own code is reused for the pieces by
    letting it write its buffered form under a name that is then rewritten into the yield (its one-piece
    form, `.append(piece,)`, becomes `yield str(piece,)`: each piece is already a str, escaped or not).
    """

    def visit_Output(self, node: nodes.Output, frame: Frame) -> None:
        if frame.buffer is not None or len(node.nodes) < 2:
            super().visit_Output(node, frame)
            return
        start = self.stream.tell()
        frame.buffer = _GROUP
        try:
            super().visit_Output(node, frame)
        finally:
            frame.buffer = None
        self.stream.seek(start)
        written = self.stream.read()
        self.stream.seek(start)
        self.stream.truncate()
        self.stream.write(
            written.replace(f"{_GROUP}.extend((", f"yield {_JOIN}((").replace(f"{_GROUP}.append(", "yield str(")
        )


# Attributes a plain dict has (its methods and object's): for any other name, `getattr(a_dict, name)` fails.
_DICT_ATTRIBUTES = frozenset(dir(dict))


class RapportEnvironment(Environment):
    """Jinja's Environment with a quicker `row.field` on dict rows (the TypedDicts our queries return).

    Jinja tries `getattr(row, "field")` first and only then `row["field"]`, so every field of a dict row
    raised and caught an AttributeError. For a plain dict the attribute lookup can only succeed for
    dict's own attributes, so the item is looked up straight away otherwise: the same result, no
    exception.
    """

    template_class = RapportTemplate
    code_generator_class = GroupedOutputCodeGenerator

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        # Environment.getattr's own steps, inline: `super().getattr` was a second Python call for every
        # `row.field` of a dataclass row (~1,000 a roster page).
        try:
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)


def build_environment(settings: Settings) -> Environment:
    env = RapportEnvironment(
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
