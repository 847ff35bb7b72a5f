"""Our Jinja environment renders exactly what stock Jinja renders, in fewer pieces (shared/web/templating.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from jinja2 import DictLoader, Environment, select_autoescape

from shared.settings import Settings
from shared.web.templating import TEMPLATES_DIR, GroupedOutputCodeGenerator, RapportEnvironment, build_environment

# Each Jinja construct whose output the grouped code generator touches or must leave alone.
TEMPLATES = {
    "base.html": (
        "<html><title>{% block title %}Base {{ name }}{% endblock %}</title>"
        "<body>{% block body %}<p>{{ name }} & {{ 'co' }}</p>{% endblock %}"
        "{% block foot %}{% endblock %}</body></html>"
    ),
    "middle.html": (
        '{% extends "base.html" %}{% block body %}<nav>{{ name }}</nav>{{ super() }}<i>{{ name }}</i>{% endblock %}'
    ),
    "page.html": (
        '{% extends "middle.html" %}{% from "macros.html" import cell, cell_with %}'
        "{% block title %}{{ super() }} / {{ name | upper }}{% endblock %}"
        "{% block body %}{{ super() }}"
        "<table>{% for row in rows %}<tr><td>{{ row.id }}</td><td>{{ row.name }}</td>"
        "{% if row.tags %}<td>{% for tag in row.tags %}<b>{{ tag }}</b>{% if not loop.last %}, {% endif %}"
        "{% endfor %}</td>{% else %}<td>none</td>{% endif %}{{ cell(row.note) }}</tr>"
        "{% else %}<tr><td>No rows, {{ name }}.</td></tr>{% endfor %}</table>"
        "{% set caption %}<em>{{ name }}</em> has {{ rows | length }}{% endset %}{{ caption }}"
        "{% filter upper %}shout {{ name }} now{% endfilter %}"
        '{% call cell_with("x") %}inside {{ name }}{% endcall %}'
        '{% include "part.html" %}{{ "a" }}{{ "b" }}{{ 1 + 2 }}'
        "{% for node in tree recursive %}<li>{{ node.label }}{% if node.children %}<ul>{{ loop(node.children) }}</ul>"
        "{% endif %}</li>{% endfor %}"
        "{% autoescape false %}{{ raw }} and {{ raw }}{% endautoescape %}{{ raw }}{{ raw | safe }}"
        "{% endblock %}"
        "{% block foot %}{{ self.title() }}{{ when }}{% endblock %}"
    ),
    "macros.html": (
        "{% macro cell(value) %}<td>{{ value }}{% if value %}!{% endif %}</td>{% endmacro %}"
        "{% macro cell_with(label) %}<div>{{ label }}: {{ caller() }}</div>{% endmacro %}"
    ),
    "part.html": "<footer>{{ name }} {% if rows %}{{ rows[0].name }}{% endif %}</footer>",
    "mail.txt": "Hi {{ name }},\n{% for row in rows %}- {{ row.name }} <{{ row.id }}>\n{% endfor %}{{ raw }}",
}


@dataclass(frozen=True)
class Row:
    id: int
    name: str
    tags: tuple[str, ...]
    note: str | None


def _context() -> dict[str, Any]:
    return {
        "name": "Ann <O'Neil>",
        "raw": "<script>1 & 2</script>",
        "rows": [
            Row(1, "Bo & Co", ("a<b", "c"), 'n"1'),
            {"id": 2, "name": "<i>dict row</i>", "tags": [], "note": None},
            Row(3, "Cy", (), ""),
        ],
        "tree": [{"label": "<top>", "children": [{"label": "leaf", "children": []}]}],
        "when": dt.date(2026, 11, 29),
    }


def _environment(cls: type[Environment]) -> Environment:
    return cls(loader=DictLoader(TEMPLATES), autoescape=select_autoescape(["html"]), trim_blocks=True)


@pytest.mark.parametrize("name", ["page.html", "mail.txt", "middle.html", "part.html"])
def test_grouped_output_renders_exactly_what_stock_jinja_renders(name: str) -> None:
    stock, ours = _environment(Environment), _environment(RapportEnvironment)
    assert ours.code_generator_class is GroupedOutputCodeGenerator
    context = _context()
    expected = stock.get_template(name).render(context)
    assert ours.get_template(name).render(context) == expected
    for empty in ({**context, "rows": []}, {**context, "rows": [], "tree": []}):
        assert ours.get_template(name).render(empty) == stock.get_template(name).render(empty)


def test_grouped_output_yields_fewer_pieces() -> None:
    """The point of it: a table row is one piece per run of output, not one per `{{ }}` and text between."""
    stock, ours = _environment(Environment), _environment(RapportEnvironment)
    context = {**_context(), "rows": [Row(n, f"row {n}", ("t",), "note") for n in range(50)]}
    stock_pieces = list(stock.get_template("page.html").generate(context))
    our_pieces = list(ours.get_template("page.html").generate(context))
    assert "".join(our_pieces) == "".join(stock_pieces)
    assert len(our_pieces) * 2 < len(stock_pieces), (len(our_pieces), len(stock_pieces))


def test_every_template_of_the_app_compiles_with_the_grouped_generator() -> None:
    env = build_environment(Settings(env="test"))
    names = sorted(str(path.relative_to(TEMPLATES_DIR)) for path in TEMPLATES_DIR.rglob("*") if path.is_file())
    assert len(names) > 50
    for name in names:
        env.get_template(name)  # raises on generated code that isn't valid Python


def test_attribute_lookup_matches_jinja_for_every_kind_of_object() -> None:
    """RapportEnvironment.getattr: dict rows by key, objects by attribute, then by item, else undefined."""
    stock, ours = _environment(Environment), _environment(RapportEnvironment)
    source = (
        "{{ d.name }}|{{ d.items is defined }}|{{ d.missing is defined }}|{{ r.name }}|{{ r.nope is defined }}"
        "|{{ t.0 }}|{{ s.upper() }}|{{ n.real }}|{{ n }}|{{ flag }}|{{ -n }}"
    )
    context = {"d": {"name": "dict"}, "r": Row(1, "obj", (), None), "t": ("first",), "s": "str", "n": 5, "flag": True}
    assert ours.from_string(source).render(context) == stock.from_string(source).render(context)
    assert ours.from_string(source).render(context) == "dict|True|False|obj|False|first|STR|5|5|True|-5"
