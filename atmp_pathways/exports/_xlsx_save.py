"""Save an openpyxl workbook to bytes, faster, writing the same XML parts.

openpyxl 3.1.5 streams each cell through three nested ``xmlfile.element`` contexts and
serialises each hyperlink and relationship through its generic ``Serialisable.to_tree``;
for the checklist (~16,000 cells, ~800 links) that was most of the export's time. Here:

- the sheet's rows are built as one lxml tree and written at once (same elements,
  attributes and text as ``openpyxl.cell._writer.lxml_write_cell``), when every cell is
  a plain inline string (what ``xlsx.py`` writes); any other cell: openpyxl's own writer;
- hyperlinks and their relationships are written from their few fields;
- each sheet is written to memory instead of a temporary file.

Everything else (workbook, styles, properties, data validation, page setup…) is
openpyxl's. ``tests/test_exports.py`` compares every part with openpyxl's ``Workbook.save``.
"""

from __future__ import annotations

import datetime
import io
import re
import stat
import time
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from lxml.etree import Element, SubElement  # type: ignore[import-untyped]
from openpyxl.packaging.relationship import Relationship, RelationshipList  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet._writer import WorksheetWriter  # type: ignore[import-untyped]
from openpyxl.writer.excel import ExcelWriter  # type: ignore[import-untyped]
from openpyxl.xml.constants import PKG_REL_NS, REL_NS  # type: ignore[import-untyped]

__all__ = ["save"]

_HYPERLINK = f"{REL_NS}/hyperlink"

_REL_ID = f"{{{REL_NS}}}id"
# a sheet as openpyxl stores it: a regular file made by NamedTemporaryFile (mode 0600)
_SHEET_ATTR = (stat.S_IFREG | 0o600) << 16
_SAFE_ATTR = re.compile(r"[\w.]*")  # row attributes written as they are (numbers, 0/1)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def save(wb: Any) -> bytes:
    """``wb.save(buffer)`` for a normal (not read-only, not write-only) workbook, as bytes."""
    buf = io.BytesIO()
    with ZipFile(buf, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        wb.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
        _ExcelWriter(wb, archive).write_data()
    return buf.getvalue()


def _plain(cell: Any) -> bool:
    """A cell ``xlsx.py`` writes: an inline string, no comment."""
    return cell.data_type == "s" and type(cell._value) is str and cell._comment is None


class _Relationships(RelationshipList):  # type: ignore[misc]
    def to_tree(self) -> Any:
        tree = Element(self.tagname)
        for rel in self:
            attrs = {"Type": rel.Type, "Target": rel.Target, "TargetMode": rel.TargetMode, "Id": rel.Id}
            SubElement(tree, "Relationship", {k: v for k, v in attrs.items() if v is not None})
        tree.set("xmlns", PKG_REL_NS)
        return tree


class _SheetWriter(WorksheetWriter):  # type: ignore[misc]
    def __init__(self, ws: Any) -> None:
        super().__init__(ws, out=io.BytesIO())
        self._rels = _Relationships()
        self._rows: bytes | None = None

    def write_rows(self) -> None:
        """The rows as text, spliced in by ``read`` (lxml serialises the tree per element: slow)."""
        rows = self.rows()
        dims = {r: dict(self.ws.row_dimensions.get(r, {})) for r, _ in rows}
        if not all(_plain(c) for _, cells in rows for c in cells) or not all(
            _SAFE_ATTR.fullmatch(v) for attrs in dims.values() for v in attrs.values()
        ):
            super().write_rows()
            return
        cell_styles = self.ws.parent._cell_styles
        styled: dict[tuple[int, ...], str] = {}  # style → ' s="id"' (registered on first use, as openpyxl does)
        letters: dict[int, str] = {}
        links = self.ws._hyperlinks
        out = ["<sheetData>"]
        for row_idx, cells in rows:
            out.append(f'<row r="{row_idx}"' + "".join(f' {k}="{v}"' for k, v in dims[row_idx].items()) + ">")
            for cell in cells:
                key = tuple(cell._style or ())
                s = styled.get(key)
                if s is None:
                    s = styled[key] = f' s="{cell_styles.add(cell._style)}"' if any(key) else ""
                col = letters.get(cell.column) or letters.setdefault(cell.column, get_column_letter(cell.column))
                if cell.hyperlink:
                    links.append(cell.hyperlink)
                value = cell._value
                if value == "":
                    out.append(f'<c r="{col}{row_idx}"{s} t="inlineStr"></c>')
                    continue
                space = ' xml:space="preserve"' if value != value.strip() else ""
                text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
                out.append(f'<c r="{col}{row_idx}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>')
            out.append("</row>")
        out.append("</sheetData>")
        text = "".join(out)
        if _NOT_XML.search(text):  # openpyxl's writer raises on these, as before
            del links[:]
            super().write_rows()
            return
        self._rows = text.encode("ascii", "xmlcharrefreplace")  # as lxml writes non-ASCII: &#8212;
        xf = self.xf.send(True)
        xf.write(Element("sheetData"))  # a placeholder: the first "<sheetData/>" in the sheet
        self.xf.send(None)

    def read(self) -> bytes:
        data: bytes = super().read()
        if self._rows is not None:
            data = data.replace(b"<sheetData/>", self._rows, 1)
        return data

    def write_hyperlinks(self) -> None:
        links = self.ws._hyperlinks
        if not links:
            return
        if any(link.location or link.tooltip or link.display for link in links):
            super().write_hyperlinks()
            return
        tree = Element("hyperlinks")
        for link in links:
            attrs = {"ref": link.ref}
            if link.target:
                rel = Relationship(Type=_HYPERLINK, TargetMode="External", Target=link.target)
                self._rels.append(rel)
                link.id = rel.id
                attrs[_REL_ID] = rel.id
            tree.append(Element("hyperlink", attrs))
        self.xf.send(tree)


class _ExcelWriter(ExcelWriter):  # type: ignore[misc]
    def write_worksheet(self, ws: Any) -> None:
        ws._drawing = self._drawing_for(ws)
        writer = _SheetWriter(ws)
        writer.write()
        ws._rels = writer._rels
        info = ZipInfo(ws.path[1:], time.localtime()[:6])
        info.compress_type, info.external_attr = ZIP_DEFLATED, _SHEET_ATTR
        self._archive.writestr(info, writer.read())
        self.manifest.append(ws)

    @staticmethod
    def _drawing_for(ws: Any) -> Any:
        from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing  # type: ignore[import-untyped]

        drawing = SpreadsheetDrawing()
        drawing.charts = ws._charts
        drawing.images = ws._images
        return drawing
