"""The XLSX writer on its own: every kind of value reads back as it went in (openpyxl reads the file), text is
never a formula, the header is frozen with a filter, and a sheet refuses more rows than a spreadsheet holds."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from bot.exports import xlsx
from bot.exports.xlsx import Column, XlsxWriter
from tests.conftest import VN

# XlsxWriter's constant_memory mode writes text shaped like this into the XML as it is
RICH = '<r><t>x</t></r></is></c><c r="E6"><f>1+1</f></c><c><is><r><t>y</t></r>'


def test_values_read_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    aware = datetime(2026, 12, 1, 8, 30, 15, tzinfo=VN)
    columns = [Column("Khi nào", 17, "datetime"), Column("Ngày", 12, "date"), Column("Số"), Column("Chữ", 30)]
    rows = [
        [aware, date(2026, 11, 10), 7, '=HYPERLINK("http://x")'],
        [datetime(1900, 1, 15, 12, 0), None, 2.345, "  cách  "],
        [None, datetime(2026, 2, 28, 23, 59, 59), True, "Xã Hàm Chính\x07"],
        ["", "", None, "Xã Hàm Chính"],
        [None, None, None, RICH],
    ]
    with XlsxWriter(path) as w:
        assert w.add_sheet("Báo cáo: quý 4/2026", columns, rows) == 5
    ws = openpyxl.load_workbook(path)["Báo cáo quý 42026"]
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert got[0] == [datetime(2026, 12, 1, 8, 30, 15), datetime(2026, 11, 10), 7, '\'=HYPERLINK("http://x")']
    assert got[1] == [datetime(1900, 1, 15, 12, 0), None, 2.345, "  cách  "]
    assert got[2] == [None, datetime(2026, 2, 28, 23, 59, 59), True, "Xã Hàm Chính"]
    assert got[3] == [None, None, None, "Xã Hàm Chính"]
    assert got[4] == [None, None, None, "'" + RICH]  # not copied into the XML as a rich string
    assert ws["A2"].number_format == "dd/mm/yyyy hh:mm" and ws["B2"].number_format == "dd/mm/yyyy"
    assert ws["C3"].number_format == "0.0#"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:D6"
    assert [c.value for c in ws[1]] == ["Khi nào", "Ngày", "Số", "Chữ"] and ws[1][0].font.b
    with zipfile.ZipFile(path) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist())


def test_a_sheet_refuses_more_rows_than_a_spreadsheet_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 5)
    with XlsxWriter(tmp_path / "b.xlsx") as w:
        assert w.add_sheet("ok", [Column("n", 8, "int")], [[i] for i in range(3)]) == 3
        with pytest.raises(ValueError, match="more rows than a spreadsheet holds"):
            w.add_sheet("too many", [Column("n", 8, "int")], [[i] for i in range(10)])
