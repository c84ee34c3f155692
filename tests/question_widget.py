"""The question on an AppTest screen as one widget, whatever draws it (shared by the AppTest suites).

A many_of question with a short list is a group of tick boxes (``q_<id>__<choice>``): it is
wrapped so a test sets and reads a list of choice ids, as for a multiselect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from streamlit.testing.v1 import AppTest

__all__ = ["TickGroup", "question_widget"]


@dataclass
class TickGroup:
    """The tick boxes of one many_of question: ``key`` is the question's widget key (``q_<id>``)."""

    key: str
    boxes: dict[str, Any]  # choice id → the AppTest checkbox

    @property
    def value(self) -> list[str]:
        return [choice for choice, box in self.boxes.items() if box.value]

    def set_value(self, value: list[str]) -> TickGroup:
        for choice, box in self.boxes.items():
            box.set_value(choice in value)
        return self


def question_widget(at: AppTest) -> Any | None:
    """The widget asking the question on screen (radio, multiselect, date or tick boxes), else None."""
    for kind in ("radio", "multiselect", "date_input"):
        for widget in getattr(at, kind):
            if widget.key and widget.key.startswith("q_"):
                return widget
    boxes = [c for c in at.checkbox if c.key and c.key.startswith("q_") and "__" in c.key]
    if boxes:
        key = boxes[0].key.split("__", 1)[0]
        return TickGroup(key, {str(c.key).split("__", 1)[1]: c for c in boxes if c.key.startswith(key + "__")})
    return None
