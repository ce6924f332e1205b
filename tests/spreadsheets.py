"""Spreadsheets for the admin's import tests."""

from __future__ import annotations

import io

import openpyxl


def xlsx_upload(rows, *, name: str) -> io.BytesIO:
    """An .xlsx file of `rows` on its first sheet, as a browser uploads it (named `name`)."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = name
    return upload
