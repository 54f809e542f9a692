"""Every export writes stored text as text (issue 14 §5): a name that looks like a formula is
never a live formula, a stored control character or NUL never turns an export into a 500,
numbers stay numbers. Each workbook is read back with openpyxl."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse

from innopoints.accounts.models import Profile, Role
from innopoints.applications.models import Dispatch
from innopoints.collection.importing import ImportRefused, import_file
from innopoints.collection.models import DataSource
from innopoints.registry.models import Enterprise, Institution
from innopoints.scoring.models import Result
from tests.platform.conftest import csv_bytes, published_board, scored_province

FORMULA = '=HYPERLINK("http://evil.example/","点击领取")'
CONTROLLED = "成都\x07{nul}科技\x1f有限公司"  # PostgreSQL cannot store a NUL, SQLite (the demo) can
SHOWN = "成都␇{nul}科技␟有限公司"


def cells(response: Any) -> list[list[Any]]:
    assert response.status_code == 200
    body = response.getvalue()
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows()]


def no_formula_anywhere(rows: list[list[Any]]) -> None:
    assert all(cell.data_type != "f" for row in rows for cell in row)


def row_of(rows: list[list[Any]], text: str) -> list[Any]:
    [found] = [row for row in rows if any(cell.value == text for cell in row)]
    return found


@pytest.fixture
def world(db: Any, tmp_path: Path) -> dict[str, Any]:
    admin = get_user_model().objects.create_superuser("root", "r@example.invalid", "pw")
    run = scored_province(tmp_path / "files", 40, 5, admin)
    best = list(
        Result.objects.filter(run=run, rank__isnull=False)
        .order_by("rank")[:3]
        .values_list("enterprise_id", flat=True)
    )
    # stored before this release's import checks (or by any other path): exports must cope
    Enterprise.objects.filter(pk=best[0]).update(name=FORMULA)
    nul = connection.vendor == "sqlite"
    Enterprise.objects.filter(pk=best[1]).update(name=CONTROLLED.format(nul="\x00" if nul else ""))
    Enterprise.objects.filter(pk=best[2]).update(name="-1+2")
    board = published_board(run, admin, "全省", kind="overall", share_from=0, share_to=100)
    bank = Institution.objects.create(name="测试银行", kind="bank")
    dispatch = Dispatch.objects.create(board=board, institution=bank, sent_by=admin)
    banker = get_user_model().objects.create_user("banker", "b@example.invalid", "pw-banker")
    Profile.objects.create(user=banker, role=Role.INSTITUTION, institution=bank)
    client, bank_client = Client(), Client()
    client.force_login(admin)
    bank_client.force_login(banker)
    return {
        "run": run,
        "board": board,
        "dispatch": dispatch,
        "client": client,
        "bank_client": bank_client,
        "shown": SHOWN.format(nul="␀" if nul else ""),
    }


def test_leaderboard_board_and_bank_list_write_names_as_text(world: dict[str, Any]) -> None:
    exports = [
        (world["client"], reverse("scoring:leaderboard-xlsx", args=[world["run"].pk]), 2),
        (world["client"], reverse("analysis:board-xlsx", args=[world["board"].pk]), 2),
        (world["bank_client"], reverse("portals:fin_list_xlsx", args=[world["dispatch"].pk]), 1),
    ]
    for client, url, name_column in exports:
        response = client.get(url)
        assert response.streaming, url  # written as rows come, then streamed
        rows = cells(response)
        no_formula_anywhere(rows)
        formula = row_of(rows, FORMULA)[name_column]
        assert (formula.data_type, formula.quotePrefix) == ("s", True), url
        assert row_of(rows, world["shown"])[name_column].data_type == "s", url
        negative_looking = row_of(rows, "-1+2")[name_column]
        assert (negative_looking.data_type, negative_looking.quotePrefix) == ("s", True), url
        assert isinstance(rows[1][0].value, int) and rows[1][0].data_type == "n", url


def test_import_error_report_writes_the_rows_as_text(db: Any) -> None:
    samr = DataSource.objects.get(code="samr")
    content = csv_bytes(
        ["统一社会信用代码", "企业名称", "成立日期", "行政区划代码"],
        [["91510100MA61234567", FORMULA, "2019-13-01", "510107"]],
    )
    with pytest.raises(ImportRefused) as caught:
        import_file(samr, "2025", "f.csv", content)
    sheet = openpyxl.load_workbook(io.BytesIO(caught.value.error_report or b"")).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows()]
    no_formula_anywhere(rows)
    name = row_of(rows, FORMULA)[3]
    assert (name.data_type, name.quotePrefix) == ("s", True)


def test_audit_export_after_a_sign_in_with_control_characters(admin_user: Any) -> None:
    """A user name with a bell and an escape typed at the sign-in form made the export a 500."""
    Client().post(reverse("accounts:login"), {"username": "=1+1\x07\x1bx", "password": "wrong"})
    boss = Client()
    boss.force_login(admin_user)
    response = boss.get(reverse("admin:audit_auditentry_export"), {"action__exact": "login_failed"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows()]
    no_formula_anywhere(rows)
    tried = row_of(rows, "=1+1␇␛x")
    assert any(c.value == "登录失败：用户名 =1+1␇␛x" for c in tried)


def test_csv_export_neutralises_text_and_keeps_numbers() -> None:
    from innopoints.core.exports import csv_response  # noqa: PLC0415

    rows = [[FORMULA, -5], ["成都\x07", 1.5], [None, 0]]
    response = csv_response("t.csv", ["名称", "总积分"], rows)
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff名称,总积分\r\n")
    assert body.splitlines()[1:] == [
        '"\'=HYPERLINK(""http://evil.example/"",""点击领取"")",-5',
        "成都␇,1.5",
        ",0",
    ]
    assert response["Content-Disposition"] == 'attachment; filename="t.csv"'
