"""The console's minimal .xlsx writer, read back with openpyxl."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from rexian.console.xlsx import workbook_bytes


def _read(body: bytes):
    sheet = load_workbook(io.BytesIO(body)).active
    return sheet, [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_header_and_rows_read_back_as_written():
    body = workbook_bytes(sheet_name="工单", header=["编号", "数量"], rows=[["A<1>&", 3], ["乙", 2.5]])
    sheet, rows = _read(body)
    assert sheet.title == "工单"
    assert rows == [["编号", "数量"], ["A<1>&", 3], ["乙", 2.5]]
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"


def test_text_starting_with_equals_stays_text():
    sheet, rows = _read(workbook_bytes(sheet_name="s", header=["h"], rows=[['=HYPERLINK("http://x")']]))
    assert rows[1] == ['=HYPERLINK("http://x")']
    assert sheet["A2"].data_type == "s"


def test_control_characters_are_dropped_and_empty_cells_left_empty():
    _sheet, rows = _read(workbook_bytes(sheet_name="s", header=["a", "b", "c"], rows=[["x\x01y\tz", None, "w"]]))
    assert rows[1] == ["xy\tz", None, "w"]
