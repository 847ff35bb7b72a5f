"""Domain errors, framework-free. shared/web turns them into HTTP answers (404, 403, 400, 409)."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base class: the message is safe to show to the person who caused it."""


class NotFound(DomainError):
    """The object does not exist, or the viewer may not know it exists (other brand's data)."""


class PermissionDenied(DomainError):
    """The viewer is known but their role does not allow this."""


class InvalidInput(DomainError):
    """Input failed validation; `errors` maps field names to messages a person can act on."""

    def __init__(self, errors: Mapping[str, str] | str) -> None:
        self.errors = {"__all__": errors} if isinstance(errors, str) else dict(errors)
        super().__init__("; ".join(self.errors.values()))


class IllegalTransition(DomainError):
    """A state change that the state machine does not allow from the current state."""
