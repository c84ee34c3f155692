"""Industry reform proposals beside the law: a note under each obligation, and a page listing them all.

The proposals come from ``rules/proposals.yaml``; they are never law and are labelled so
everywhere they appear.
"""

from __future__ import annotations

import streamlit as st

from atmp_pathways import Rulebook
from atmp_pathways.models import Proposal
from atmp_pathways.present import escape_markdown as _escape
from atmp_pathways.present import markdown_link as _link

__all__ = ["NOT_LAW", "note_markdown", "render_page"]


def escape_markdown(text: str) -> str:
    return _escape(text, streamlit=True)


def markdown_link(text: str, url: str) -> str:
    return _link(text, url, streamlit=True)


NOT_LAW = "Industry reform proposals — not law"


def note_markdown(book: Rulebook, target: str) -> str:
    """Markdown for the proposals that would change obligation or question ``target`` ('' if none)."""
    found = book.proposals_by_target.get(target, ())
    if not found:
        return ""
    lines = [f"- {_line(book, p)}" for p in found]
    return "**Reform proposals (not law):**\n" + "\n".join(lines)


def _line(book: Rulebook, p: Proposal) -> str:
    taken = _names(book, p.taken_up_by)
    where = f"; taken up by: {taken}" if taken else "; no pending legislation found that takes it up"
    return f"{escape_markdown(p.number)} {escape_markdown(p.title)} — proposed by {escape_markdown(p.by)}{where}"


def _names(book: Rulebook, ids: tuple[str, ...]) -> str:
    names = []
    for ident in ids:
        if ident in book.obligations_by_id:
            names.append(escape_markdown(book.obligation(ident).title))
        elif ident in book.sources_by_id:
            src = book.source(ident)
            names.append(markdown_link(src.title, src.url))
    return "; ".join(names)


def render_page(book: Rulebook) -> None:
    """The "Reform proposals" page: every proposal, by bucket, with what it would change."""
    st.title("Reform proposals")
    st.warning(
        f"{NOT_LAW}. These are recommendations made by an industry association. They show where "
        "some would like the law to go; the obligations shown in the wizard are the law as it stands."
    )
    if not book.proposals:
        st.caption("No reform proposals are recorded in this rulebook.")
        return
    sources = {p.citation.source for p in book.proposals}
    for sid in sorted(sources):
        src = book.source(sid)
        # Plain text, not a caption: a link in a caption (60 % opacity) falls to 2.96:1 (axe color-contrast).
        st.markdown(f"Source: {markdown_link(src.title, src.url)} · last reviewed {src.last_reviewed.isoformat()}")
    for bucket, title in book.proposal_buckets.items():
        items = [p for p in book.proposals if p.bucket == bucket]
        if not items:
            continue
        st.header(escape_markdown(title), anchor=False)  # h2 per bucket under the page's h1, h3 per proposal
        for p in items:
            with st.container(border=True):
                st.subheader(f"{escape_markdown(p.number)} · {escape_markdown(p.title)}", anchor=False)
                st.markdown(f":gray-badge[{NOT_LAW}]")
                affects = ", ".join(_target_name(book, t) for t in p.affects)
                taken = _names(book, p.taken_up_by) or "no pending legislation found"
                st.markdown(
                    "\n\n".join(
                        [
                            escape_markdown(p.summary),
                            f"**Proposed by:** {escape_markdown(p.by)} ({escape_markdown(p.citation.ref)})",
                            f"**Would change:** {affects}",
                            f"**Taken up by:** {taken}",
                        ]
                    )
                )


def _target_name(book: Rulebook, ident: str) -> str:
    if ident in book.obligations_by_id:
        return escape_markdown(book.obligation(ident).title)
    if ident in book.questions_by_id:
        return f"the question “{escape_markdown(book.question(ident).text)}”"
    return escape_markdown(ident)
