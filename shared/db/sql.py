"""Building raw SQL safely from optional filters: numbered parameters and LIKE patterns."""

from __future__ import annotations


class SqlArgs:
    """Numbered parameters ($1, $2, ...) for SQL assembled from optional filters: values never enter the text."""

    def __init__(self, *values: object) -> None:
        self.values: list[object] = list(values)

    def __call__(self, value: object) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def escape_like(text: str) -> str:
    """Text matched literally inside a LIKE pattern (its % and _ are not wildcards)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
