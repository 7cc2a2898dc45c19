"""The operator's commands for units, members and invites, on files as offices really have them."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.cli import main
from bot.core.config import load_settings
from storage import members as mem
from storage import units as un
from storage.audit import list_audit
from storage.db import Database


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"[general]\ndata_dir = '{tmp_path / 'data'}'\n[telegram]\nenabled = false\n", encoding="utf-8"
    )
    return path


def dlxh(cfg: Path, *args: str) -> int:
    return main(["--config", str(cfg), *args])


def query(cfg: Path, fn):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        db = await Database.open(load_settings(cfg).database_target)
        try:
            return await fn(db.reader)
        finally:
            await db.close()

    return asyncio.run(go())


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


UNITS = [["code", "name", "parent"], ["T01", "Tỉnh Bình Thuận", ""], ["X01", "Xã Hàm Thắng", "T01"]]


def test_units_import_csv_with_bom_then_xlsx_updates_without_duplicates(
    cfg: Path, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    assert dlxh(cfg, "units", "import", str(write_csv(tmp_path / "u.csv", UNITS))) == 0
    assert "2 created, 0 updated" in capsys.readouterr().out
    wb = Workbook()
    ws = wb.active
    for row in [*UNITS[:2], ["X01", "Xã Hàm Thắng (mới)", "T01"], ["X02", "Xã Hàm Liêm", "T01"]]:
        ws.append(row)
    wb.save(tmp_path / "u.xlsx")
    assert dlxh(cfg, "units", "import", str(tmp_path / "u.xlsx")) == 0
    assert "1 created, 1 updated" in capsys.readouterr().out
    units = query(cfg, un.list_units)
    assert [(u.code, u.name) for u in units] == [
        ("T01", "Tỉnh Bình Thuận"),
        ("X01", "Xã Hàm Thắng (mới)"),
        ("X02", "Xã Hàm Liêm"),
    ]
    assert dlxh(cfg, "units", "list") == 0
    assert capsys.readouterr().out.splitlines() == [
        "T01  Tỉnh Bình Thuận",
        "  X01  Xã Hàm Thắng (mới)",
        "  X02  Xã Hàm Liêm",
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [["code", "name", "parent"], ["A", "Một", "B"], ["B", "Hai", "A"]],
            "row 2: the parents form a cycle: A → B → A",
        ),
        (
            [["code", "name", "parent"], ["A", "Một", "ZZ"]],
            "row 2: unit A names parent ZZ, which does not exist",
        ),
        (
            [["code", "name", "parent"], ["A", "Một", ""], ["A", "Hai", ""]],
            "row 3: duplicate code A (first at row 2)",
        ),
        ([["code", "name"], ["A", "Một"]], "row 1: missing column(s) parent"),
    ],
)
def test_bad_units_file_names_the_row_and_imports_nothing(
    cfg: Path, tmp_path: Path, capsys, rows, message
) -> None:  # type: ignore[no-untyped-def]
    assert dlxh(cfg, "units", "import", str(write_csv(tmp_path / "bad.csv", rows))) == 1
    err = capsys.readouterr().err
    assert message in err and "nothing was changed" in err
    assert query(cfg, un.list_units) == []


def test_units_file_in_a_legacy_encoding_is_refused(cfg: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cp1258.csv"
    path.write_bytes(
        "code,name,parent\nT01,Tỉnh,\n".encode() + "X01,Xã Hàm,T01\n".encode("cp1258", "replace") + b"\xff\n"
    )
    assert dlxh(cfg, "units", "import", str(path)) == 1
    assert "row 3: not UTF-8 text" in capsys.readouterr().err
    assert query(cfg, un.list_units) == []


def test_members_import_writes_links_csv_with_bom_and_refuses_bad_rows(
    cfg: Path, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    dlxh(cfg, "units", "import", str(write_csv(tmp_path / "u.csv", UNITS)))
    bad = write_csv(
        tmp_path / "bad.csv",
        [["name", "phone", "unit", "role"], ["A", "1", "X01", "member"], ["B", "2", "X99", "member"]],
    )
    assert dlxh(cfg, "members", "import", str(bad)) == 1
    assert "row 3: unknown unit 'X99'" in capsys.readouterr().err
    bad_role = write_csv(tmp_path / "bad2.csv", [["name", "unit", "role"], ["A", "X01", "chairman"]])
    assert dlxh(cfg, "members", "import", str(bad_role)) == 1
    assert "row 2: unknown role 'chairman'" in capsys.readouterr().err
    assert query(cfg, mem.list_members) == []

    good = write_csv(
        tmp_path / "m.csv",
        [["name", "phone", "unit", "role", "sectors"], ["Nguyễn Thị Lan", "0912", "X01", "member", "nong_nghiep;ha_tang"],
         ["Trần Văn Hùng", "0913", "X01", "leader", ""]],
    )  # fmt: skip
    assert dlxh(cfg, "members", "import", str(good), "--links", str(tmp_path / "links.csv")) == 0
    assert "members: 2 imported" in capsys.readouterr().out
    raw = (tmp_path / "links.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [r["name"] for r in rows] == ["Nguyễn Thị Lan", "Trần Văn Hùng"]
    assert all(r["link"].endswith("?start=" + r["code"]) and len(r["code"]) == 10 for r in rows)
    members = query(cfg, mem.list_members)
    assert [(m.name, m.role, m.sectors) for m in members] == [
        ("Nguyễn Thị Lan", "member", ("nong_nghiep", "ha_tang")),
        ("Trần Văn Hùng", "leader", ()),
    ]
    # nobody has joined yet: both are unreachable
    assert dlxh(cfg, "members", "list", "--unreachable") == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    assert dlxh(cfg, "members", "deactivate", str(members[0].id)) == 0
    assert dlxh(cfg, "members", "deactivate", str(members[0].id)) == 1
    assert "already inactive" in capsys.readouterr().err
    actions = [a.action for a in query(cfg, list_audit)]
    assert "members.deactivate" in actions and "members.import" in actions


def test_invite_prints_links_and_writes_qr_codes(cfg: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    dlxh(cfg, "units", "import", str(write_csv(tmp_path / "u.csv", UNITS)))
    capsys.readouterr()
    qr = tmp_path / "qr"
    assert (
        dlxh(
            cfg,
            "invite",
            "--unit",
            "X01",
            "--role",
            "member",
            "--count",
            "3",
            "--qr",
            str(qr),
            "--bot-username",
            "dlxh_bot",
        )
        == 0
    )
    lines = [line for line in capsys.readouterr().out.splitlines() if "https://t.me/dlxh_bot?start=" in line]
    assert len(lines) == 3
    pngs = sorted(qr.glob("*.png"))
    assert len(pngs) == 3 and all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
    assert dlxh(cfg, "invite", "--unit", "NOPE", "--role", "member") == 1


def test_merge_and_retire(cfg: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    dlxh(cfg, "units", "import", str(write_csv(tmp_path / "u.csv", [*UNITS, ["X02", "Xã Hàm Liêm", "T01"]])))
    dlxh(cfg, "members", "import", str(write_csv(tmp_path / "m.csv", [["name", "unit"], ["Hoa", "X02"]])))
    assert dlxh(cfg, "units", "merge", "X02", "--into", "X01") == 0
    members = query(cfg, mem.list_members)
    units = {u.id: u for u in query(cfg, lambda r: un.list_units(r, active_only=False))}
    assert units[members[0].unit_id].code == "X01"
    old = next(u for u in units.values() if u.code == "X02")
    assert not old.active and old.name == "Xã Hàm Liêm"  # history keeps the old name
    assert dlxh(cfg, "units", "retire", "X01") == 0
    assert dlxh(cfg, "units", "retire", "T01") == 1
    assert "top of the tree" in capsys.readouterr().err
