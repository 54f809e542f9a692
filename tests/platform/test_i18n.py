"""The English catalogue: complete, compiled, every template string marked for translation, and
real pages under /en/ in English (the default, Chinese, stays the source text)."""

from __future__ import annotations

import ast
import gettext
import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import translation

from innopoints.collection.demo import import_all, write_files
from innopoints.scoring import execution
from innopoints.scoring.models import Result, Run, SchemeVersion

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "innopoints"
MESSAGES = PACKAGE / "locale" / "en" / "LC_MESSAGES"
PO, MO = MESSAGES / "django.po", MESSAGES / "django.mo"
APPS = ("registry", "collection", "scoring", "analysis")
# Han ideographs, CJK punctuation and full-width forms (，：（）etc.)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
MARKED = re.compile(
    r"\{%\s*(?:blocktranslate|blocktrans)\b.*?%\}.*?\{%\s*(?:endblocktranslate|endblocktrans)\s*%\}"
    r"|\{%\s*(?:translate|trans)\s.*?%\}"
    r"|\{#.*?#\}"
    r"|\{%\s*comment\b.*?%\}.*?\{%\s*endcomment\s*%\}",
    re.DOTALL,
)


@dataclass
class Entry:
    msgid: str = ""
    msgstr: str = ""
    msgctxt: str | None = None
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (no plural forms here), the header left out."""
    entries: list[Entry] = []
    current, last = Entry(), ""
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if current.msgid or current.msgstr or current.msgctxt is not None:
                entries.append(current)
            current, last = Entry(), ""
        elif line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            setattr(current, last, getattr(current, last) + ast.literal_eval(line))
        else:
            last, _, value = line.partition(" ")
            assert last in {"msgid", "msgstr", "msgctxt"}, f"unexpected line in {path}: {line}"
            setattr(current, last, ast.literal_eval(value))
    return [e for e in entries if e.msgid]


def placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\([a-z_]+\)[.\d]*[sdf]|\{[a-z_]+\}", text))


def test_english_catalogue_is_complete() -> None:
    entries = read_po(PO)
    assert len(entries) > 400
    empty = [e.msgid for e in entries if not e.msgstr]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not empty and not fuzzy, (empty, fuzzy)
    untranslated_cjk = [e.msgid for e in entries if CJK.search(e.msgstr)]
    assert not untranslated_cjk
    mismatched = [e.msgid for e in entries if placeholders(e.msgid) != placeholders(e.msgstr)]
    assert not mismatched
    msgfmt = shutil.which("msgfmt")
    if msgfmt:
        checked = subprocess.run(
            [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(PO)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert "untranslated" not in checked.stderr and "fuzzy" not in checked.stderr
        assert f"{len(entries)} translated messages" in checked.stderr


def test_compiled_catalogue_is_up_to_date(tmp_path: Path) -> None:
    """The committed .mo is the .po compiled (``django-admin compilemessages``)."""
    committed = MO.read_bytes()
    msgfmt = shutil.which("msgfmt")
    if msgfmt:
        subprocess.run([msgfmt, "-o", str(tmp_path / "django.mo"), str(PO)], check=True)
        assert (tmp_path / "django.mo").read_bytes() == committed, "run compilemessages"
    catalogue = gettext.GNUTranslations(io.BytesIO(committed))._catalog  # type: ignore[attr-defined]
    compiled = {key: text for key, text in catalogue.items() if key}
    assert compiled == {e.key: e.msgstr for e in read_po(PO)}


def templates() -> Iterator[Path]:
    for app in APPS:
        yield from sorted((PACKAGE / app).glob("templates/**/*.html"))


def test_templates_mark_every_chinese_string() -> None:
    found = list(templates())
    assert len(found) >= 20
    unmarked = []
    for path in found:
        text = MARKED.sub("", path.read_text(encoding="utf-8"))
        for number, line in enumerate(text.splitlines(), 1):
            if CJK.search(line):
                unmarked.append(f"{path.relative_to(PACKAGE)} ({number}): {line.strip()[:80]}")
    assert not unmarked, "\n".join(unmarked)


@pytest.fixture(autouse=True)
def _language_back() -> Iterator[None]:
    """Requests under /en/ activate English in this thread: put the language back after."""
    before = translation.get_language()
    yield
    translation.activate(before) if before else translation.deactivate_all()


@pytest.fixture
def scored(db: Any, tmp_path: Path) -> Run:
    import_all(write_files(tmp_path / "files", 60, seed=3), "2025")
    run = Run.objects.create(
        period="2025", scheme_version=SchemeVersion.objects.get(scheme_id="sichuan-2025")
    )
    execution.execute(run)
    assert run.status == "done", run.error
    return run


@pytest.fixture
def boss(admin_user: Any) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_pages_in_english(scored: Run, boss: Client) -> None:
    enterprise = Result.objects.filter(run=scored, vetoed=False).order_by("rank").first()
    assert enterprise is not None
    checks = {
        "/en/scoring/runs/": (["Start a scoring run", "Run scoring"], ["发起积分测算"]),
        f"/en/scoring/runs/{scored.pk}/": (
            ["Scoring run #", "Agreement between methods", "Frozen parameters (L, U)"],
            ["多种方法吻合度", "冻结参数"],
        ),
        f"/en/scoring/runs/{scored.pk}/leaderboard/": (
            ["Leaderboard #", "Total points", "Page 1 of"],
            ["积分榜", "总积分"],
        ),
        "/en/collection/quality/?period=2025": (
            ["Data quality report", "Completeness", "registered enterprises"],
            ["数据质量报告", "完整率"],
        ),
        f"/en/analysis/enterprise/{enterprise.enterprise_id}/portrait/": (
            ["Enterprise portrait", "Strengths", "Stage median"],
            ["企业画像", "同阶段中位数", "本企业"],
        ),
        f"/en/analysis/runs/{scored.pk}/statistics/": (
            ["By growth stage", "Distribution of total points"],
            ["按成长阶段", "总积分分布"],
        ),
        "/en/admin/collection/": (
            ["Data collection and governance", "Verification findings"],
            ["数据采集治理", "核验问题"],
        ),
    }
    for url, (english, chinese) in checks.items():
        text = page(boss, url)
        assert 'lang="en"' in text, url
        for words in english:
            assert words in text, (url, words)
        for words in chinese:
            assert words not in text, (url, words)
    export = boss.get(f"/en/scoring/runs/{scored.pk}/leaderboard.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content), read_only=True).active
    assert next(sheet.iter_rows(values_only=True))[:3] == (  # type: ignore[union-attr]
        "Rank",
        "Unified social credit code",
        "Enterprise name",
    )


def test_chinese_stays_the_default(scored: Run, boss: Client) -> None:
    text = page(boss, f"/scoring/runs/{scored.pk}/")
    assert 'lang="zh-hans"' in text
    assert "多种方法吻合度" in text and "Agreement between methods" not in text
