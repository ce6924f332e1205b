"""The console's minimal .xlsx writer, read back with openpyxl."""

from __future__ import annotations

import io
import warnings

import pytest
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


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("按区域（镇/街道）", "按区域（镇-街道）"),
        ("a\\b", "a-b"),
        ("a:b", "a-b"),
        ("a*b", "a-b"),
        ("a?b", "a-b"),
        ("[a]", "(a)"),
        ("By area (town/subdistrict)", "By area (town-subdistrict)"),
    ],
)
def test_a_sheet_name_loses_the_characters_excel_forbids(title, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # openpyxl only warns about a bad title: a warning is a failure here
        sheet, rows = _read(workbook_bytes(sheet_name=title, header=["h"], rows=[["v"]]))
    assert sheet.title == expected
    assert rows == [["h"], ["v"]]


def test_a_sheet_name_is_cut_to_31_characters_and_stays_valid_xml():
    sheet, _rows = _read(workbook_bytes(sheet_name='"<&>"/' * 10, header=["h"], rows=[]))
    assert sheet.title == ('"<&>"-' * 6)[:31]


def test_a_sheet_name_of_only_apostrophes_gets_a_default():
    sheet, _rows = _read(workbook_bytes(sheet_name="''", header=["h"], rows=[]))
    assert sheet.title == "Sheet1"
