"""Outline → Markdown (CommonMark with GitHub task lists and tables); every rule text escaped.

>>> from datetime import datetime, timezone
>>> from atmp_pathways.engine import evaluate
>>> from atmp_pathways.loader import load_rulebook
>>> book = load_rulebook("tests/fixtures/toy_rules")
>>> print(render(evaluate(book, {"uses_widgets": False}), book, datetime(2026, 3, 1, tzinfo=timezone.utc)).splitlines()[0])
# Checklist — Toy widget rules
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..models import Rulebook
from ..outcome import Outcome
from ..present import escape_markdown as esc
from ..present import markdown_link, markdown_table
from .outline import Block, Bullets, Checklist, Facts, Heading, Label, Links, Paragraph, Table, outline

__all__ = ["render", "render_blocks"]


def _block(b: Block) -> list[str]:
    if isinstance(b, Heading):
        return ["#" * (b.level + 1) + " " + esc(b.text)]
    if isinstance(b, Facts):
        return [f"- **{esc(k)}:** {esc(v)}" for k, v in b.rows]
    if isinstance(b, Paragraph):
        lead = f"**{esc(b.lead)}** " if b.lead and b.tone != "note" else f"*{esc(b.lead)}* " if b.lead else ""
        text = lead + esc(b.text, block=not lead)
        return [f"> {text}" if b.tone == "disclaimer" else text]
    if isinstance(b, Label):
        return [f"**{esc(b.text)}**"]
    if isinstance(b, Bullets):
        return [
            (f"{i}. " if b.numbered else "- ")
            + (f"**{esc(it.lead)}** " if it.lead else "")
            + esc(it.text, block=not it.lead)
            for i, it in enumerate(b.items, 1)
        ]
    if isinstance(b, Links):
        return [f"- {markdown_link(link.title, link.url)}{esc(link.detail)}" for link in b.items]
    if isinstance(b, Checklist):
        return [f"- [ ] {esc(item, block=True)}" for item in b.items]
    if isinstance(b, Table):
        headers = b.headers or ("Item", "Value")
        return markdown_table(headers, b.rows).splitlines()
    raise TypeError(f"no Markdown for {type(b).__name__}")  # pragma: no cover - every Block is handled above


def render(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> str:
    """A Markdown checklist: stamp, disclaimer, obligations by phase and area, answers."""
    return render_blocks(outline(outcome, book, generated_at))


def render_blocks(blocks: Sequence[Block]) -> str:
    """Any outline as Markdown."""
    out: list[str] = []
    for block in blocks:
        lines = _block(block)
        if lines:
            out += [*lines, ""]
    return "\n".join(out)
