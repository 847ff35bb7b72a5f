"""The declared-form mechanism (shared/web/forms.py) on its own: what each kind of field lets through."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.errors import InvalidInput
from shared.web.forms import INT64_MAX, Amount, Choice, Date, Flag, Form, Id, Integer, Many, Text

FORM = Form(
    name=Text(max_length=10, required="Give it a name."),
    notes=Text(max_length=50, multiline=True),
    owner=Id(),
    rounds=Integer(min_value=0, max_value=10),
    fee=Amount(max_minor=INT64_MAX),
    role=Choice(options=("manager", "viewer")),
    due=Date(),
    shared=Flag(),
    wants=Many(Choice(options=("money", "product")), max_items=2),
)


def test_it_cleans_a_good_form() -> None:
    form = FORM.clean(
        {
            "name": "Cafe\u0301",  # e + combining accent: NFC makes it one character
            "notes": "line one\r\nline\ttwo",
            "owner": "12",
            "rounds": " 3 ",
            "fee": "1,250.50",
            "role": "viewer",
            "due": "2026-05-31",
            "shared": "on",
            "wants": ["money", "product"],
            "_csrf_token": "x",
        }
    )
    form.check()
    assert form.values == {
        "name": "Café",
        "notes": "line one\r\nline\ttwo",
        "owner": 12,
        "rounds": 3,
        "fee": "1,250.50",
        "role": "viewer",
        "due": dt.date(2026, 5, 31),
        "shared": True,
        "wants": ["money", "product"],
    }
    assert "_csrf_token" not in form.text and form.text["name"] == "Café"


def test_it_gives_empty_values_for_missing_fields() -> None:
    form = FORM.clean({"name": "x"})
    assert form.errors == {}
    assert form.values == {
        "name": "x",
        "notes": "",
        "owner": None,
        "rounds": None,
        "fee": "",
        "role": "",
        "due": None,
        "shared": False,
        "wants": [],
    }
    assert form.text == {"name": "x"}  # only what was sent: area rules can tell "left out" from "emptied"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("name", ""),
        ("name", "   "),
        ("name", "x" * 11),
        ("name", "a\x00b"),
        ("name", "a\nb"),  # a single-line field takes no line break
        ("name", "a\tb"),
        ("name", "a\x7fb"),
        ("name", "a\x85b"),  # C1 control
        ("notes", "a\x00b"),
        ("notes", "x" * 51),
        ("owner", "-1"),
        ("owner", "0"),
        ("owner", "1e309"),
        ("owner", "12345678901234567890123"),
        ("owner", "2147483648"),
        ("owner", "١٢"),  # Arabic-Indic digits are digits to Python, not to PostgreSQL
        ("owner", "12.0"),
        ("rounds", "11"),
        ("fee", "1e309"),
        ("fee", "12345678901234567890123"),
        ("role", "owner"),
        ("role", "viewer' OR 1=1 --"),
        ("due", "2026-13-01"),
        ("due", "20260531"),
        ("due", "1e309"),
        ("wants", ["money", "product", "money"]),
        ("wants", ["fame"]),
    ],
)
def test_it_refuses(name: str, value: str | list[str]) -> None:
    form = FORM.clean({"name": "ok", name: value})
    assert name in form.errors, form.values
    with pytest.raises(InvalidInput) as refused:
        form.check()
    assert refused.value.errors == form.errors
    assert form.values[name] in ("", None, False, [])


def test_it_shows_what_was_typed_without_control_characters() -> None:
    form = FORM.clean({"name": "ab\x00c", "notes": "one\ntwo\x00", "owner": "abc"})
    assert form.text == {"name": "abc", "notes": "one\ntwo", "owner": "abc"}
    assert set(form.errors) == {"name", "notes", "owner"}


@pytest.mark.parametrize("value", ["שלום עולם", "\u202eevil", "🙂👍🏽", "' OR 1=1 --", "<script>x</script>"])
def test_it_accepts_any_language_and_symbols(value: str) -> None:
    form = Form(body=Text(max_length=100, multiline=True)).clean({"body": value})
    assert form.errors == {} and form.values["body"] == value


def test_it_shows_a_rows_errors_under_the_rows_name() -> None:
    form = Form(
        d0_kind=Choice(options=("reel",), message="Choose what to make.", error_on="d0"),
        d0_live_due=Date(error_on="d0"),
        creator=Many(Id(error_on="creators"), max_items=3),
    ).clean({"d0_kind": "poster", "d0_live_due": "soon", "creator": ["1", "x"]})
    assert form.errors == {"d0": "Choose what to make.", "creators": "Choose one from the list."}
    assert form.values["creator"] == [1]


def test_it_reads_json_values_as_text() -> None:
    form = Form(size=Integer(min_value=0, max_value=INT64_MAX), name=Text(max_length=5)).clean(
        {"size": 1024, "name": ["a", "b"]}
    )
    assert form.errors == {} and form.values == {"size": 1024, "name": "a"}
