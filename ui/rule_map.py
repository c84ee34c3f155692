"""The rule map page for rule authors: dependency graph, lint results, source registry."""

from __future__ import annotations

import streamlit as st

from atmp_pathways import Rulebook, lint_rulebook, to_dot
from atmp_pathways.present import escape_markdown as _escape

__all__ = ["render"]


def escape_markdown(text: str) -> str:
    return _escape(text, streamlit=True)


def render(book: Rulebook) -> None:
    st.title("Rule map")
    st.caption(
        f"{escape_markdown(book.meta.title)} · ruleset v{escape_markdown(book.meta.version)} · reviewed "
        f"{book.meta.as_of.isoformat()} · {len(book.questions)} questions, {len(book.determinations)} determinations, "
        f"{len(book.obligations)} obligations, "
        f"{len(book.sources)} sources"
    )
    titles = book.topic_titles
    chosen = st.multiselect(
        "Topics (clear to show all)",
        list(titles),
        default=list(titles)[:1],
        format_func=titles.__getitem__,
        key="map_topics",
        placeholder="All topics",
    )
    st.caption(
        "Boxes are questions, diamonds are determinations (conclusions drawn from answers), notes are obligations, "
        "ellipses are sources; dashed edges are exceptions and citations."
    )
    st.graphviz_chart(to_dot(book, topics=set(chosen) or None), width="stretch")

    st.header("Lint")
    problems = lint_rulebook(book)
    if not problems:
        st.success("Clean: no lint problems.")
    else:
        errors = [p for p in problems if p.severity == "error"]
        st.warning(f"{len(errors)} error(s) and {len(problems) - len(errors)} warning(s).")
        st.code("\n".join(f"{p.severity}: {p}" for p in problems), language=None)

    st.header("Source registry")
    rows = [
        {
            "id": s.id,
            "title": s.title,
            "identifier": s.identifier,
            "status": s.status,
            "valid_from": s.valid_from.isoformat() if s.valid_from else "",
            "valid_to": s.valid_to.isoformat() if s.valid_to else "",
            "last_reviewed": s.last_reviewed.isoformat(),
            "url": s.url,
        }
        for s in book.sources
    ]
    st.dataframe(rows, hide_index=True, width="stretch", column_config={"url": st.column_config.LinkColumn("url")})
