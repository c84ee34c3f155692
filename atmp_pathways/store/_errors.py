"""Store errors: one short sentence a user can act on; never a traceback, a password or SQL."""

from __future__ import annotations

__all__ = ["AccessDenied", "NotFound", "StoreError"]


class StoreError(Exception):
    """A problem with the assessment store, in words fit to show a user."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


class NotFound(StoreError):
    """No such assessment (or it was deleted)."""

    def __init__(self, assessment_id: int) -> None:
        self.assessment_id = assessment_id
        super().__init__(f"assessment {assessment_id} not found, or not shared with you")


class AccessDenied(NotFound):
    """The assessment exists but this user may not do that. Reads by outsiders get the same
    message as a missing one, so ids cannot be probed; owners get told what only the owner may do."""

    def __init__(self, assessment_id: int, action: str | None = None) -> None:
        super().__init__(assessment_id)
        if action is not None:
            self.message = f"only the owner of assessment {assessment_id} may {action} it"
            self.args = (self.message,)
