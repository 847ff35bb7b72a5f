"""Declared forms: what each field of a submitted form may be, decided once at the edge (framework-free;
shared.web.forms reads them from requests).

A handler declares its form on the route and reads it with `read_form`:

    NOTE = Form(body=Text(max_length=10_000, multiline=True, required="Write the note first."))

    @post("/notes", guards=[...], opt={"form": NOTE})
    async def add_note(request: Request[Any, Any, Any], ...) -> Template | Redirect:
        form = await read_form(request)
        try:
            form.check()                                  # InvalidInput with the field errors
            await do_add_note(..., body=form.values["body"])
        except InvalidInput as exc:
            return page(form=form.text, errors=exc.errors, status=400)

Every text is NFC-normalised; NUL and other control characters are refused (newline, carriage return
and tab only where a field is multi-line); lengths stop at what the column holds; integers are parsed
within their column's range; choices are checked against the allowed values. Fields that are not
declared never reach the handler. Area rules keep the business checks (a date in the future, an
amount in the brand's currency); this module only guarantees that what passes is storable.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from shared.errors import InvalidInput

INT32_MAX = 2**31 - 1  # Integer and Serial columns (ids)
INT64_MAX = 2**63 - 1  # BigInt columns (amounts in minor units)

_INTEGER = re.compile(r"[+-]?[0-9]{1,30}")
_MULTILINE_CONTROLS = frozenset("\n\r\t")


class FieldError(ValueError):
    """The message shown next to the field."""


def _refused_character(text: str, *, multiline: bool) -> bool:
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cs") and not (multiline and char in _MULTILINE_CONTROLS):
            return True
    return False


def shown_again(text: str) -> str:
    """What was typed, fit to be put back in the page: NFC, without control characters (except line breaks)."""
    text = unicodedata.normalize("NFC", text)
    return "".join(
        char for char in text if unicodedata.category(char) not in ("Cc", "Cs") or char in _MULTILINE_CONTROLS
    )


@dataclass(frozen=True)
class Field:
    """A declared field. `required` is False, True, or the message to show when it is left empty;
    `error_on` names where the page shows this field's error when not under its own name (a row of fields)."""

    required: bool | str = False
    error_on: str = ""
    empty: ClassVar[Any] = ""  # the value when the field is missing or left empty

    def missing_message(self) -> str:
        return self.required if isinstance(self.required, str) else "Fill in this field."

    def parse(self, text: str) -> Any:
        """The cleaned value of a non-empty, NFC-normalised text free of refused characters."""
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Field):
    """Free text up to `max_length` characters (the column's length; Text columns still get a bound)."""

    max_length: int = 200
    min_length: int = 0
    multiline: bool = False  # textareas: newline and tab allowed

    def parse(self, text: str) -> str:
        if len(text) > self.max_length:
            raise FieldError(f"Keep this under {self.max_length:,} characters (it has {len(text):,}).")
        if len(text.strip()) < self.min_length:
            raise FieldError(f"Write at least {self.min_length} characters.")
        return text


@dataclass(frozen=True)
class Integer(Field):
    """A whole number between `min_value` and `max_value` (by default what an int4 column holds)."""

    min_value: int = 0
    max_value: int = INT32_MAX
    message: str = ""  # instead of the generic range message, e.g. "Choose someone from the list."
    empty: ClassVar[Any] = None

    def parse(self, text: str) -> int:
        text = text.strip()
        if not _INTEGER.fullmatch(text):
            raise FieldError(self.message or "Enter a whole number, like 12.")
        value = int(text)
        if not self.min_value <= value <= self.max_value:
            raise FieldError(self.message or f"Enter a number from {self.min_value:,} to {self.max_value:,}.")
        return value


def Id(*, required: bool | str = False, message: str = "Choose one from the list.", error_on: str = "") -> Integer:
    """The id of a row (a Serial column) picked from a list."""
    return Integer(required=required, error_on=error_on, min_value=1, max_value=INT32_MAX, message=message)


@dataclass(frozen=True)
class Amount(Field):
    """Money as typed ('1,250.50'). It stays text: the area's rules convert it with the currency
    (shared.creators.rules.to_minor_units) and word their own messages; the form refuses what no column
    could hold (more minor units than `max_minor`) and more than `max_length` characters."""

    max_minor: int = INT64_MAX
    max_length: int = 40

    def parse(self, text: str) -> str:
        if len(text) > self.max_length:
            raise FieldError("Enter an amount like 250 or 250.00.")
        try:
            value = Decimal(text.strip().replace(",", "").replace(" ", ""))
        except InvalidOperation:
            return text  # not a number at all: the rules say so in their words
        if value.is_finite() and abs(value) * 100 > self.max_minor:  # the most minor units any currency has
            raise FieldError("That amount is too large.")
        return text


@dataclass(frozen=True)
class Choice(Field):
    """One of `options` (the values of a select or radio group)."""

    options: Collection[str] = ()
    message: str = "Choose one of the options."

    def parse(self, text: str) -> str:
        if text.strip() not in self.options:
            raise FieldError(self.message)
        return text.strip()


@dataclass(frozen=True)
class Date(Field):
    """A day as a date input sends it (YYYY-MM-DD)."""

    empty: ClassVar[Any] = None

    def parse(self, text: str) -> dt.date:
        try:
            if len(text.strip()) != 10:
                raise ValueError
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            raise FieldError("Enter a date like 2026-12-31.") from None


@dataclass(frozen=True)
class Flag(Field):
    """A checkbox: True when it was sent with any value."""

    empty: ClassVar[Any] = False

    def parse(self, text: str) -> bool:
        return True


@dataclass(frozen=True)
class Many:
    """A field sent several times (checkboxes, a multi-select): a list of `item` values, at most `max_items`."""

    item: Field
    max_items: int = 100


@dataclass(frozen=True)
class SubmittedForm:
    """A submitted form after its declaration has read it."""

    # What was typed for each declared single field that was sent (NFC, control characters removed):
    # shown again when the form is refused, and what area rules that take the whole form read.
    text: dict[str, str]
    # Every declared field, cleaned and typed; a missing or empty field has its type's empty value
    # ('' for text, None for numbers and dates, False for flags, [] for Many).
    values: dict[str, Any]
    errors: dict[str, str]

    def check(self) -> None:
        """Raise InvalidInput with the field errors, if any (the handler's refusal path shows them)."""
        if self.errors:
            raise InvalidInput(self.errors)


class Form:
    """The declaration of a form: field name -> Field (or Many)."""

    def __init__(self, **fields: Field | Many) -> None:
        self.fields: dict[str, Field | Many] = fields

    def clean(self, submitted: Mapping[str, Any]) -> SubmittedForm:
        """Read submitted values (a string or a list of strings per name; other types are read as text)."""
        text: dict[str, str] = {}
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, declared in self.fields.items():
            sent = _as_list(submitted.get(name))
            if isinstance(declared, Many):
                values[name] = []
                if len(sent) > declared.max_items:
                    errors[declared.item.error_on or name] = f"Choose at most {declared.max_items}."
                    continue
                for raw in sent:
                    try:
                        value = _clean_one(declared.item, raw)
                    except FieldError as exc:
                        errors[declared.item.error_on or name] = str(exc)
                        continue
                    if value != declared.item.empty:
                        values[name].append(value)
                continue
            if not sent:
                values[name] = declared.empty
                if declared.required:
                    errors[declared.error_on or name] = declared.missing_message()
                continue
            text[name] = shown_again(sent[0])
            try:
                values[name] = _clean_one(declared, sent[0])
            except FieldError as exc:
                values[name] = declared.empty
                errors.setdefault(declared.error_on or name, str(exc))
        return SubmittedForm(text, values, errors)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [item if isinstance(item, str) else str(item) for item in items if isinstance(item, str | int | float)]


def _clean_one(declared: Field, raw: str) -> Any:
    text = unicodedata.normalize("NFC", raw)
    multiline = isinstance(declared, Text) and declared.multiline
    if _refused_character(text, multiline=multiline):
        raise FieldError(
            "Remove the control characters (like a NUL byte) from this text."
            if multiline
            else "Remove the control characters (line breaks, tabs, NUL bytes) from this text."
        )
    if not text.strip():
        if declared.required:
            raise FieldError(declared.missing_message())
        return declared.empty
    return declared.parse(text)


def fields_named(names: Iterable[str], declared: Field) -> dict[str, Field]:
    """The same declaration for several names (rows of a repeated group: d0_kind, d1_kind, ...)."""
    return dict.fromkeys(names, declared)
