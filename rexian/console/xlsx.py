"""A minimal Excel (.xlsx) writer for the console's exports: one sheet of text and numbers, built in memory.

openpyxl, even in write-only mode and with lxml, spends about 30 µs on each cell (a
cell object, its type checks, its XML element): 5 seconds of a 2-core server for an
export of 10,000 orders of 16 columns. An export needs none of that: rows of text go
straight into the sheet's XML as inline strings, which takes a few per cent of the time.
The file is the SpreadsheetML subset openpyxl's write-only mode itself produces (inline
strings, no shared-string table), with a bold header row and a frozen first row; Excel,
WPS and LibreOffice open it. Values: str, int, float, None (an empty cell); anything else
(a bool, a date) is written as its str(): format dates before.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.utils.http import content_disposition_header

# Characters XML 1.0 forbids (Excel refuses the file with them); tab, newline and carriage return are allowed.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_CELL_CHARS = 32_767  # Excel's limit for one cell
MAX_SHEET_NAME_CHARS = 31  # Excel's limit for a sheet's name
# Characters Excel forbids in a sheet's name (it calls the file corrupt): brackets become parentheses, the others a
# hyphen, so 按区域（镇/街道） reads 按区域（镇-街道）.
_SHEET_NAME_CHARS = str.maketrans({"[": "(", "]": ")", ":": "-", "*": "-", "?": "-", "/": "-", "\\": "-"})
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
# Two cell formats: 0 plain, 1 bold (the header).
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
    'state="frozen"/></sheetView></sheetViews>{cols}<sheetData>'
)
_SHEET_END = "</sheetData></worksheet>"


def _text(value) -> str:
    text = _ILLEGAL.sub("", str(value))
    return escape(text[:MAX_CELL_CHARS])


def sheet_name_safe(name: str) -> str:
    """`name` as Excel accepts a sheet's name: none of []:*?/\\, no apostrophe at either end, 1 to 31 characters."""
    safe = _ILLEGAL.sub("", str(name)).translate(_SHEET_NAME_CHARS)[:MAX_SHEET_NAME_CHARS].strip("'")
    return safe or "Sheet1"


def _column(n: int) -> str:
    """Column letters of the 0-based index n: A … Z, AA …"""
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _row(number: int, values: Sequence, style: str, columns: list[str]) -> str:
    cells = []
    for n, value in enumerate(values):
        if n >= len(columns):
            columns.append(_column(n))
        ref = f'r="{columns[n]}{number}"{style}'
        if value is None or value == "":
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            cells.append(f"<c {ref}><v>{value!r}</v></c>")
        else:
            # Always a string cell: a citizen's "=..." stays text, never a formula.
            cells.append(f'<c {ref} t="inlineStr"><is><t xml:space="preserve">{_text(value)}</t></is></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def workbook_bytes(
    *, sheet_name: str, header: Sequence[str], rows: Iterable[Sequence], widths: Sequence[int] = ()
) -> bytes:
    """The .xlsx file of one sheet: a bold, frozen header row, then `rows`. `widths`: column widths in characters.

    `sheet_name` is made one Excel accepts (`sheet_name_safe`): callers pass a chart's or report's title as it is.
    """
    cols = ""
    if widths:
        cols = "<cols>" + "".join(
            f'<col min="{n}" max="{n}" width="{w}" customWidth="1"/>' for n, w in enumerate(widths, start=1)
        ) + "</cols>"
    columns: list[str] = []
    parts = [_SHEET_START.format(cols=cols), _row(1, header, ' s="1"', columns)]
    parts.extend(_row(number, row, "", columns) for number, row in enumerate(rows, start=2))
    parts.append(_SHEET_END)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        name = escape(sheet_name_safe(sheet_name), {'"': "&quot;"})  # an attribute's value
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(name=name))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        archive.writestr("xl/worksheets/sheet1.xml", "".join(parts))
    return buffer.getvalue()


def xlsx_response(body: bytes, filename: str) -> HttpResponse:
    """A workbook (`workbook_bytes`) as a download named `filename`, never cached (exports hold personal data)."""
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response
