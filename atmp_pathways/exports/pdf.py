"""Outline → PDF (fpdf2) with embedded DejaVu Sans, so any European text renders.

Reads the two font files shipped in ``atmp_pathways/fonts/`` (licence next to them).

Accessibility: the PDF declares its language (``/Lang``) and title (shown as the window
title), and has bookmarks (``/Outlines``) for its sections, phases and areas. It is **not
tagged**: fpdf2 2.8.9 writes a structure tree only for images and styled section titles
(each as a ``/Figure``), not for paragraphs, lists, tables or table headers, and text drawn
with ``FPDF.text`` gets no marked content at all. The first page says so (``UNTAGGED``) and
points screen-reader users to the Word or Markdown export, as does the app's download area.

Speed (a ~70-page checklist in well under 300 ms): lines are wrapped here from the
font's glyph widths and written with ``FPDF.text`` — ``cell`` / ``multi_cell`` /
``table`` re-measure every fragment several times — and the parsed fonts are kept
per process; each document gets a fresh copy of the parts fpdf2 changes while
writing (subset, font file, descriptor).
"""

from __future__ import annotations

import copy
import functools
import io
import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from fontTools import ttLib  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import TextMode
from fpdf.fonts import SubsetMap, TTFFont
from fpdf.prefs import ViewerPreferences

from ..models import Rulebook
from ..outcome import Outcome
from ..present import safe_url
from .outline import Block, Bullets, Checklist, Facts, Heading, Label, Links, Paragraph, Table, outline, xml_safe

__all__ = ["LANGUAGE", "UNTAGGED", "render"]

LANGUAGE = "en"
UNTAGGED = (
    "This PDF is not tagged for screen readers (no structure of headings, lists and tables). "
    "For a screen reader, use the Word (DOCX) or Markdown export of the same checklist."
)

_log = logging.getLogger(__name__)

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FAMILY = "DejaVu"
_FAMILY_KEY = FAMILY.lower()  # as fpdf2 stores it in ``font_family``
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
BOX = "☐"
REPLACEMENT = 0xFFFD  # "�", printed for a character the font has no glyph for
_INK = (30, 30, 30)
_GREY = (110, 110, 110)
_BLUE = (5, 99, 193)
_RED = (176, 58, 46)
_CELL_PAD = 1.0  # table cell padding, mm
_CELL_LINE = 4.2  # table line height, mm
_CELL_SIZE = 8.5  # table font size, pt
# OpenType layout, kerning and math tables: only text shaping (off here) reads them, and a PDF
# viewer draws glyphs by id at the widths in the PDF. Dropped before fpdf2 subsets the font,
# where their glyph closure took most of the time; outlines, metrics and hinting are kept.
_UNUSED_TABLES = ("GSUB", "GPOS", "GDEF", "kern", "MATH")


_FOOTER_SIZE = 7.5  # pt
_FOOTER_Y = -12.0  # mm from the page foot
_FOOTER_H = 5.0  # mm


class _Checklist(FPDF):
    """Footers: the checklist's title, version and date on the left, "Page n of N" on the right.

    They are drawn once the page count is known (``write_footers``), with ``_Text.text``,
    at the places ``cell(epw - 25, 5, …, align="L")`` and ``cell(0, 5, "Page n of {nb}",
    align="R")`` put them (fpdf2's ``cell`` took a seventh of the render for two short
    lines a page). ``footer``, called as each page ends, only picks the footer's glyphs
    then, so every character keeps the code it had when the footers were cells.
    """

    footer_text = ""
    _footers_written = False

    def footer(self) -> None:
        if self._footers_written:
            return
        self.set_font(FAMILY, "", _FOOTER_SIZE)
        font = self.current_font
        if font is not None:
            font.encode_text(self.footer_text)
            font.encode_text(f"Page {self.page_no()} of ")

    def write_footers(self, out: _Text) -> None:
        """Every page's footer, after the last page's ``footer`` (as ``close`` would call it)."""
        self.footer()
        self._footers_written = True
        last, total = self.page, self.pages_count
        self.set_font(FAMILY, "", _FOOTER_SIZE)
        self.set_text_color(*_GREY)
        out.begin()
        font = self.current_font
        assert isinstance(font, TTFFont)

        def width(text: str) -> float:  # as fpdf2's Fragment.get_width
            return sum(font.cw[ord(c)] for c in text) * self.font_size_pt * 0.001 / self.k

        y = self.h + _FOOTER_Y + 0.5 * _FOOTER_H + 0.3 * self.font_size
        for page in range(1, total + 1):
            self.page = page
            self._out(self._set_font_for_page(font, self.font_size_pt))
            out.text(self.l_margin + self.c_margin, y, self.footer_text)
            lead = f"Page {page} of "
            # right-aligned as fpdf2 aligns "{nb}": measured as "000", the count written from where that starts
            dx = (self.w - self.r_margin - self.l_margin) - self.c_margin - (width(lead) + width("000"))
            out.text(self.l_margin + dx, y, f"{lead}{total}")
        self.page = last


# ---- fonts -------------------------------------------------------------------------------


_ESCAPED = {0x5C: "\\\\", 0x29: "\\)", 0x28: "\\(", 0x0D: "\\r"}  # fpdf2's escape_parens, byte by byte


class _Glyphs(dict[int, str | None]):
    """Code point → its code in the font subset as it goes in a PDF string (UTF-16-BE bytes as
    Latin-1, parentheses, backslash and CR escaped), for ``str.translate``; picks glyphs on first use."""

    def __init__(self, subset: SubsetMap) -> None:
        super().__init__()
        self.subset = subset

    def __missing__(self, code: int) -> str | None:
        mapped = self.subset.pick(code)  # a miss is recorded in the font's ``missing_glyphs``
        if mapped is None:  # shown as a replacement mark, never silently dropped
            mapped = self.subset.pick(REPLACEMENT)
        value = self[code] = (
            None if mapped is None else "".join(_ESCAPED.get(b, chr(b)) for b in chr(mapped).encode("utf-16-be"))
        )
        return value


class _Font(TTFFont):
    """``TTFFont`` whose ``encode_text`` maps a line with one ``str.translate`` instead of per character
    (and of encoding and escaping it: the map holds each character's escaped code)."""

    __slots__ = ("glyphs",)
    glyphs: _Glyphs

    def encode_text(self, text: str) -> str:
        if self.is_symbol or self.color_font:  # pragma: no cover - DejaVu: a Unicode cmap, no colour glyphs
            return super().encode_text(text)
        return f"({text.translate(self.glyphs)}) Tj"


@functools.cache
def _parsed_font(style: str) -> tuple[TTFFont, bytes]:
    """DejaVu parsed once per process (glyph widths, cmap, metrics) with the raw file bytes."""
    path = FONT_DIR / FONT_FILES[style]
    font = TTFFont(FPDF(), path, f"{FAMILY.lower()}{style}", style)
    font.ttfont.close()  # every document opens its own copy from the bytes
    return font, path.read_bytes()


class _SharedGlyphs(dict[str, Any]):
    """A document's view of the ``glyf`` glyphs decompiled once per process: every read hands
    out a copy of the shared glyph. fontTools' subsetter changes the glyphs it keeps in place
    (``remapComponentsFast`` renumbers a composite glyph's parts for this document's subset;
    ``trim`` cuts its data), so the shared glyphs must never be handed out themselves."""

    def __getitem__(self, name: str) -> Any:
        return copy.copy(super().__getitem__(name))

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self else default

    def values(self) -> list[Any]:  # type: ignore[override]
        return [copy.copy(glyph) for glyph in super().values()]

    def items(self) -> list[tuple[str, Any]]:  # type: ignore[override]
        return [(name, copy.copy(glyph)) for name, glyph in super().items()]


@functools.cache
def _parsed_tables(style: str) -> tuple[list[str], Any, Any, Any, Any]:
    """The font's glyph order and its ``post``, ``cmap``, ``hmtx`` and ``glyf`` tables, decompiled once
    per process.

    fpdf2's subsetting read them anew for every document (the glyph names alone are a few
    thousand strings; splitting ``glyf`` into ~6 000 glyphs took ~35 ms per style). The
    subsetter replaces these tables' contents rather than changing them, except for the glyphs
    it keeps, so each document gets shallow copies and copies of its glyphs (``_own_tables``).
    """
    _, data = _parsed_font(style)
    font = ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
    order = list(font.getGlyphOrder())
    cmap = font["cmap"]
    for subtable in cmap.tables:
        subtable.ensureDecompiled()
    return order, font["post"], cmap, font["hmtx"], font["glyf"]


def _own_tables(ttfont: Any, style: str) -> None:
    """Give a document's font copies of the tables decompiled once (``_parsed_tables``)."""
    order, post, cmap, hmtx, glyf = _parsed_tables(style)
    ttfont.setGlyphOrder(list(order))
    ttfont["post"] = copy.copy(post)
    own_cmap = copy.copy(cmap)
    own_cmap.tables = [copy.copy(subtable) for subtable in cmap.tables]
    ttfont["cmap"] = own_cmap
    ttfont["hmtx"] = copy.copy(hmtx)
    own_glyf = copy.copy(glyf)
    own_glyf.glyphs = _SharedGlyphs(glyf.glyphs)
    own_glyf.glyphOrder = list(glyf.glyphOrder)
    own_glyf._reverseGlyphOrder = {}
    ttfont["glyf"] = own_glyf


def _add_fonts(pdf: FPDF) -> None:
    """``add_font`` for both styles without re-parsing the files (~50 ms saved per document).

    A copy of the cached font shares what fpdf2 only reads and gets its own of what it
    changes: the glyph subset, the fontTools font (subset in place on output), the
    descriptor and the width table (a defaultdict, so a lookup can insert). This is the
    split fpdf2's own ``TTFFont.__deepcopy__`` makes. On any surprise (another fpdf2
    version), fall back to ``add_font``.
    """
    for style, name in FONT_FILES.items():
        try:
            base, data = _parsed_font(style)
            font = _Font.__new__(_Font)
            for slot in TTFFont.__slots__:
                if hasattr(base, slot):
                    setattr(font, slot, getattr(base, slot))
            font.i = len(pdf.fonts) + 1
            font.ttfont = ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
            font.cw = copy.copy(base.cw)
            font.desc = copy.copy(base.desc)
            font.missing_glyphs = []
            font.biggest_size_pt = 0
            font._hbfont = None
            font.subset = SubsetMap(font)
            font.glyphs = _Glyphs(font.subset)
            for tag in _UNUSED_TABLES:
                if tag in font.ttfont:
                    del font.ttfont[tag]
            _own_tables(font.ttfont, style)
        except Exception:  # noqa: BLE001 - any mismatch: the slow, supported path
            pdf.add_font(FAMILY, style, str(FONT_DIR / name))
            continue
        pdf.fonts[font.fontkey] = font


# ---- text ---------------------------------------------------------------------------------


class _Text:
    """Writes wrapped lines with ``FPDF.text``, measuring with the fonts' glyph widths (word widths cached)."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        self._caches: dict[str, dict[str, float]] = {}
        self._wrapped: dict[tuple[object, float, str, float], list[tuple[str, float]]] = {}
        self._colors: dict[object, str] = {}  # text colour → its PDF operator ("0.1176 0.1176 0.1176 rg")
        self._direct: TTFFont | None = None  # the font lines are written in directly, if they can be
        self._open, self._close = "", ""  # "q <colour> ", " Q" when the text colour is not the fill colour

    def begin(self) -> None:
        """Read the style the next lines are written in (after ``set_font`` / ``set_text_color``).

        A page break in between keeps it: ``add_page`` restores the font and colours.
        """
        pdf = self.pdf
        font = pdf.current_font
        plain = pdf.text_mode == TextMode.FILL and not (pdf.underline or pdf.strikethrough)
        self._direct = font if plain and isinstance(font, TTFFont) and not pdf._record_text_quad_points else None
        color = pdf.text_color
        self._open, self._close = "", ""
        if pdf.fill_color != color and color is not None:  # FPDF.text asserts a colour here
            serialized = self._colors.get(color)
            if serialized is None:
                serialized = self._colors[color] = color.serialize().lower()
            self._open, self._close = f"q {serialized} ", " Q"

    def text(self, x: float, y: float, text: str) -> None:
        """``FPDF.text(x, y, text)`` in the style read by ``begin``, writing the same operators
        without its per-call overhead (the colour was serialised anew for every line). Anything
        ``text`` would do differently (text mode, underline, quad points, a core font) goes to it."""
        pdf = self.pdf
        font = self._direct
        if font is None or not pdf.page:
            pdf.text(x, y, text)
            return
        if not pdf.current_font_is_set_on_page:
            pdf._out(pdf._set_font_for_page(font, pdf.font_size_pt))
        k = pdf.k
        pdf._out(f"{self._open}BT {x * k:.2f} {(pdf.h - y) * k:.2f} Td {font.encode_text(text)} ET{self._close}")

    def _font(self) -> tuple[TTFFont, dict[str, float]]:
        font = self.pdf.current_font
        if not isinstance(font, TTFFont):  # pragma: no cover - render only selects the embedded TTF
            raise TypeError("the PDF export needs a TrueType font")
        return font, self._caches.setdefault(font.fontkey, {})

    def width(self, text: str) -> float:
        font, _ = self._font()
        return sum(map(font.cw.__getitem__, map(ord, text))) * self.pdf.font_size * 0.001

    def wrap(self, text: str, width: float) -> list[tuple[str, float]]:
        """``_wrap``, remembered for the document: half the text of a long checklist repeats
        (citations, states, statuses), wrapped in the same font to the same width."""
        key = (self.pdf.current_font, self.pdf.font_size, text, width)
        lines = self._wrapped.get(key)
        if lines is None:
            lines = self._wrapped[key] = self._wrap(text, width)
        return lines

    def _wrap(self, text: str, width: float) -> list[tuple[str, float]]:
        """Greedy word wrap in linear time: (line, its width). Words wider than the line are cut between characters."""
        font, cache = self._font()
        glyph_w = font.cw.__getitem__  # code point → width in 1/1000 em
        scale = self.pdf.font_size * 0.001
        limit = width / scale  # in font units
        text = text.replace("\t", " ")
        if "\n" not in text:  # most texts fit on one line
            whole = sum(map(glyph_w, map(ord, text)), 0.0)
            if whole <= limit:
                return [(text, whole * scale)]
        space = glyph_w(32)
        lines: list[tuple[str, float]] = []
        for paragraph in text.split("\n"):
            words: list[str] = []
            used = 0.0
            for word in paragraph.split(" "):
                w = cache.get(word)
                if w is None:
                    w = cache[word] = sum(map(glyph_w, map(ord, word)), 0.0)
                if words and used + space + w <= limit:
                    words.append(word)
                    used += space + w
                    continue
                if words:
                    lines.append((" ".join(words), used * scale))
                while w > limit:
                    cut, cut_w = 0, 0.0
                    for ch in word:
                        ch_w = glyph_w(ord(ch))
                        if cut and cut_w + ch_w > limit:
                            break
                        cut, cut_w = cut + 1, cut_w + ch_w
                    lines.append((word[:cut], cut_w * scale))
                    word, w = word[cut:], w - cut_w
                words, used = [word], w
            lines.append((" ".join(words), used * scale))
        return lines

    def line(self, x: float, text: str, h: float, link: str | None = None, text_w: float = 0.0) -> None:
        """One line in a band ``h`` high at ``x``, placed as ``cell(…, align="L")`` places it; then the next line."""
        pdf = self.pdf
        if pdf.will_page_break(h):
            pdf.add_page()
        y = pdf.y
        if text:
            size = pdf.font_size
            self.text(x, y + 0.5 * h + 0.3 * size, text)
            if link:
                pdf.link(x, y + 0.5 * h - 0.5 * size, text_w, size, link)
        pdf.x, pdf.y = pdf.l_margin, y + h  # set_xy(l_margin, y + h), both positive


_RGB: dict[tuple[int, int, int], Any] = {}  # colour → fpdf2's DeviceRGB (immutable), made once


def _style(pdf: FPDF, bold: bool, size: float, color: tuple[int, int, int]) -> None:
    """``set_font(FAMILY, "B" or "", size)`` and ``set_text_color(*color)``; the font call is
    skipped when it would change nothing (fpdf2's ``set_font`` parses the style first)."""
    style = "B" if bold else ""
    if not (pdf.font_family == _FAMILY_KEY and pdf.font_style == style and pdf.font_size_pt == size):
        pdf.set_font(FAMILY, style, size)
    rgb = _RGB.get(color)
    if rgb is None:
        pdf.set_text_color(*color)
        rgb = _RGB[color] = pdf.text_color
    pdf.text_color = rgb


def _para(out: _Text, text: str, size: float = 9.5, bold: bool = False, color: tuple[int, int, int] = _INK, link: str | None = None, indent: float = 0, bullet: str = "") -> None:  # fmt: skip
    """Wrapped text; a ``bullet`` hangs in the margin so continuation lines align with the text."""
    pdf = out.pdf
    _style(pdf, bold, size, color)
    out.begin()
    hang = out.width(bullet) if bullet else 0.0
    left = pdf.l_margin + pdf.c_margin + indent
    for i, (line, w) in enumerate(out.wrap(text.strip(), pdf.epw - indent - hang - 2 * pdf.c_margin)):
        if i:
            out.line(left + hang, line, size * 0.5, link, w)
        else:
            out.line(left, bullet + line, size * 0.5, link, hang + w)


def _fit(out: _Text, head: str, tail: str, width: float) -> str:
    """``head + tail``, shortening ``head`` with an ellipsis until it fits ``width``."""
    while head and out.width(head + tail) > width:
        head = head[: max(len(head) - 4, 0)].rstrip() + "…" if len(head) > 4 else ""
    return head + tail


def _heading(out: _Text, text: str, level: int) -> None:
    pdf = out.pdf
    size = (15.0, 13.0, 11.5, 10.5)[level]
    if pdf.get_y() > pdf.page_break_trigger - 35:  # keep a heading with what follows
        pdf.add_page()
    pdf.ln(2.5 if level else 4)
    if level < 3:
        pdf.start_section(text, level=level)
    _para(out, text, size=size, bold=True)
    pdf.ln(1)


def _table(out: _Text, rows: Sequence[Sequence[str]], widths: tuple[float, ...], headers: Sequence[str] | None = None) -> None:  # fmt: skip
    """A ruled table, laid out as ``FPDF.table(padding=1, line_height=4.2)`` lays it out:
    bold heading row repeated after a page break, rows never split, text centred vertically."""
    pdf = out.pdf
    pdf.set_text_color(*_INK)

    def layout(values: Sequence[str], style: str) -> tuple[str, list[list[tuple[str, float]]], float]:
        pdf.set_font(FAMILY, style, _CELL_SIZE)
        cells = [out.wrap(v, w - 2 * _CELL_PAD) if v else [] for v, w in zip(values, widths, strict=True)]
        return style, cells, max(len(c) for c in cells) * _CELL_LINE + 2 * _CELL_PAD

    def draw(row: tuple[str, list[list[tuple[str, float]]], float]) -> None:
        style, cells, height = row
        pdf.set_font(FAMILY, style, _CELL_SIZE)
        out.begin()
        top, x = pdf.y, pdf.l_margin
        for lines, w in zip(cells, widths, strict=True):
            pdf.rect(x, top, w, height)
            pdf.y = top + (height - len(lines) * _CELL_LINE) / 2
            for line, _ in lines:
                out.line(x + _CELL_PAD, line, _CELL_LINE)
            x += w
        pdf.set_xy(pdf.l_margin, top + height)

    head = layout(headers, "B") if headers else None
    body = [layout(values, "") for values in rows]
    if head and body and pdf.will_page_break(head[2] + body[0][2]):  # no heading alone at a page foot
        pdf.add_page()
    if head:
        draw(head)
    for row in body:
        if pdf.will_page_break(row[2]):
            pdf.add_page()
            if head:
                draw(head)
        draw(row)
    pdf.ln(2)


_HEADING_SIZES = (17.0, 15.0, 13.0, 11.5, 10.5)
_TABLE_WIDTHS: dict[str, tuple[float, ...]] = {
    "stamp": (35.0, 139.0),
    "details": (60.0, 114.0),
    "answers": (110.0, 64.0),
    "compare": (74.0, 50.0, 50.0),
    "actions": (46.0, 22.0, 26.0, 22.0, 22.0, 14.0, 22.0),
    "pathway": (62.0, 62.0, 50.0),
}


def _block(out: _Text, b: Block) -> None:
    pdf = out.pdf
    if isinstance(b, Heading):
        if b.level == 0:
            _para(out, b.text, size=_HEADING_SIZES[0], bold=True)
            pdf.ln(3)
        else:
            _heading(out, b.text, b.level - 1)
    elif isinstance(b, Facts):
        for label, value in b.rows:
            warn = label == b.warn
            _para(out, f"{label}: {value}", size=8.5, bold=warn, color=_RED if warn else _GREY)
        pdf.ln(1)
    elif isinstance(b, Paragraph):
        text = f"{b.lead} {b.text}".strip()
        if b.tone == "warning":
            pdf.ln(1)
            _para(out, text, bold=True, color=_RED)
        elif b.tone == "disclaimer":
            _para(out, text, size=8.5, color=_GREY)
        elif b.tone == "note":
            _para(out, text, size=8.5)
        else:
            _para(out, text)
            pdf.ln(1)
    elif isinstance(b, Label):
        _para(out, b.text, size=8.5, bold=True)
    elif isinstance(b, Bullets):
        for i, item in enumerate(b.items, 1):
            text = f"{item.lead} {item.text}".strip()
            _para(out, text, size=8.5, indent=3, bullet=f"{i}. " if b.numbered else "• ")
    elif isinstance(b, Links):
        for link in b.items:
            _para(out, link.title + link.detail, size=8.5, indent=3, bullet="• ")
            _para(out, link.url, size=8, color=_BLUE, link=safe_url(link.url), indent=5.5)
    elif isinstance(b, Checklist):
        for line in b.items:
            _para(out, line, indent=3, bullet=f"{BOX}  ")
        pdf.ln(2)
    elif isinstance(b, Table):
        if b.role == "details":
            for label, value in b.rows:
                _para(out, f"{label}: {value}", size=8.5, indent=3)
        else:
            _table(out, b.rows, _TABLE_WIDTHS[b.role], b.headers)


def render(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> bytes:
    """The checklist as a PDF. A character the embedded font cannot show is printed as "�",
    and the document then opens with a warning naming those characters (a second pass)."""
    data, missing = _render(outcome, book, generated_at, "")
    if not missing:
        return data
    listed = ", ".join(f"U+{c:04X}" for c in missing[:12]) + (
        f" and {len(missing) - 12} more" if len(missing) > 12 else ""
    )
    notice = (
        f"{len(missing)} character(s) in this checklist cannot be shown in this PDF's font and are "
        f"printed as \ufffd ({listed}). The Markdown, Word and JSON exports keep the exact text."
    )
    _log.warning("PDF export: no glyph for %s", listed)
    return _render(outcome, book, generated_at, notice)[0]


def _render(outcome: Outcome, book: Rulebook, generated_at: datetime | None, notice: str) -> tuple[bytes, list[int]]:
    outcome = xml_safe(outcome)
    s = outcome.ruleset
    blocks = outline(outcome, book, generated_at)
    if notice:  # after the title, the stamp and the disclaimer
        blocks.insert(3, Paragraph(notice, lead="Warning:", tone="warning"))
    return _render_blocks(
        blocks,
        title=f"Checklist — {s.title} v{s.version}",
        footer=(s.title, f" v{s.version} · digest {s.digest} · as of {outcome.as_of.isoformat()}"),
    )


def render_blocks(blocks: Sequence[Block], title: str, footer: tuple[str, str]) -> bytes:
    """Any outline as a PDF; ``footer`` is (text to shorten if needed, text kept whole) on every page."""
    return _render_blocks(blocks, title, footer)[0]


def _render_blocks(blocks: Sequence[Block], title: str, footer: tuple[str, str]) -> tuple[bytes, list[int]]:
    """The PDF and the code points its fonts had no glyph for.

    After the title, the stamp and the disclaimer (the first three blocks), the first page
    says that the PDF is not tagged and which export to use with a screen reader.
    """
    blocks = [*blocks[:3], Paragraph(UNTAGGED, lead="Accessibility:", tone="note"), *blocks[3:]]
    pdf = _Checklist(format="A4")
    _add_fonts(pdf)
    out = _Text(pdf)
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_font(FAMILY, "", 7.5)
    pdf.footer_text = _fit(out, footer[0], footer[1], pdf.epw - 27)
    pdf.set_title(title)
    pdf.set_lang(LANGUAGE)
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.set_creator("ATMP Pathways")
    pdf.add_page()
    for block in blocks:
        _block(out, block)
    pdf.write_footers(out)
    data = bytes(pdf.output())
    missing = sorted({c for font in pdf.fonts.values() for c in getattr(font, "missing_glyphs", ())})
    return data, missing
