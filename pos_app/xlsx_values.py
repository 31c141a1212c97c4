"""The cell values of an XLSX workbook, read straight from its XML: what a price-list import needs.

openpyxl builds an object per cell and per shared string (styles, rich text); on a 20,000-row
price list that is most of the import preview's time (see ``bench/bench_catalog.py``). A price
list needs only values, so this reads them with the C XML parser, row by row:

* rows come as lists, index 0 = column A, gaps (missing rows, missing cells) filled with
  ``None``, so row and column numbers are the ones Excel shows;
* a number is an ``int`` when its text is a whole number, else a ``float``; a shared or inline
  string a ``str``; a boolean a ``bool``; a formula its cached result; an error its text
  (``#N/A``); dates stay serial numbers (a price list has none that matter).

Anything it does not understand raises :class:`XlsxUnsupported` before the first row, and the
caller reads the file with openpyxl instead. Both the transitional and the strict OOXML
namespaces are read.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Generator
from pathlib import Path
from xml.etree import ElementTree as ET

__all__ = ["XlsxUnsupported", "Workbook"]

_MAIN = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
         "http://purl.oclc.org/ooxml/spreadsheetml/main")
_REL_NS = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           "http://purl.oclc.org/ooxml/officeDocument/relationships")
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_INT = re.compile(r"-?[0-9]+")
_CELL_REF = re.compile(r"([A-Z]+)([0-9]*)")


class XlsxUnsupported(Exception):
    """The workbook is laid out in a way this reader does not know (use openpyxl)."""


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


class Workbook:
    """An open XLSX file: its sheets in the workbook's order, and their rows."""

    def __init__(self, path: Path) -> None:
        self._zip = zipfile.ZipFile(path)
        try:
            self._ns = self._namespace()
            self.sheets = self._sheet_parts()
            self._shared = self._shared_strings()
        except (KeyError, ET.ParseError, ValueError) as exc:
            self._zip.close()
            raise XlsxUnsupported(str(exc)) from exc

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _namespace(self) -> str:
        root = ET.fromstring(self._zip.read("xl/workbook.xml"))
        for ns in _MAIN:
            if root.tag == f"{{{ns}}}workbook":
                return ns
        raise XlsxUnsupported(f"unknown workbook namespace {root.tag}")

    def _sheet_parts(self) -> list[tuple[str, str]]:
        """(name, zip member) of every worksheet, in the workbook's order."""
        rels = ET.fromstring(self._zip.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(_PKG_REL)}
        book = ET.fromstring(self._zip.read("xl/workbook.xml"))
        out: list[tuple[str, str]] = []
        for sheet in book.iter(f"{{{self._ns}}}sheet"):
            rid = next((sheet.get(f"{{{ns}}}id") for ns in _REL_NS
                        if sheet.get(f"{{{ns}}}id")), None)
            target = targets.get(rid)
            if not target:
                raise XlsxUnsupported(f"sheet {sheet.get('name')!r} has no part")
            member = (target.lstrip("/") if target.startswith("/")
                      else posixpath.normpath(posixpath.join("xl", target)))
            if member not in self._zip.namelist():
                raise XlsxUnsupported(f"sheet part {member} is missing")
            out.append((sheet.get("name", ""), member))
        if not out:
            raise XlsxUnsupported("the workbook has no sheets")
        return out

    def _shared_strings(self) -> list[str]:
        try:
            data = self._zip.open("xl/sharedStrings.xml")
        except KeyError:
            return []
        si, t, r = (f"{{{self._ns}}}{tag}" for tag in ("si", "t", "r"))
        out: list[str] = []
        with data:
            for _, elem in ET.iterparse(data):
                if elem.tag != si:
                    continue
                # Plain text, or rich-text runs; phonetic hints (rPh) are not the text.
                parts = [child.text or "" for child in elem if child.tag == t]
                parts += [run_t.text or "" for run in elem if run.tag == r
                          for run_t in run if run_t.tag == t]
                out.append("".join(parts))
                elem.clear()
        return out

    def rows(self, member: str) -> Generator[list[object], None, None]:
        """The sheet's rows from row 1 (empty rows included, as empty lists)."""
        ns = self._ns
        row_tag, c_tag, v_tag, is_tag, t_tag = (
            f"{{{ns}}}{tag}" for tag in ("row", "c", "v", "is", "t"))
        shared = self._shared
        expected = 1
        with self._zip.open(member) as data:
            for _, elem in ET.iterparse(data):
                if elem.tag != row_tag:
                    continue
                number = int(elem.get("r") or expected)
                while expected < number:  # rows Excel did not store: empty
                    yield []
                    expected += 1
                values: list[object] = []
                for cell in elem.iter(c_tag):
                    ref = cell.get("r")
                    if ref:
                        m = _CELL_REF.match(ref)
                        col = _column(m.group(1)) if m else len(values)
                    else:
                        col = len(values)
                    if col > len(values):
                        values.extend([None] * (col - len(values)))
                    values.append(_value(cell, cell.get("t"), v_tag, is_tag, t_tag, shared))
                yield values
                expected = number + 1
                elem.clear()


def _value(cell: ET.Element, kind: str | None, v_tag: str, is_tag: str, t_tag: str,
           shared: list[str]) -> object:
    if kind == "inlineStr":
        box = cell.find(is_tag)
        return None if box is None else "".join(t.text or "" for t in box.iter(t_tag))
    v = cell.find(v_tag)
    text = None if v is None else v.text
    if text is None:
        return None
    if kind == "s":
        return shared[int(text)]
    if kind in ("str", "e", "d"):
        return text
    if kind == "b":
        return text.strip() == "1"
    if _INT.fullmatch(text):
        return int(text)
    return float(text)
