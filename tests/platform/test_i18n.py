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
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from innopoints.accounts.models import Profile, Role
from innopoints.collection.demo import import_all, write_files
from innopoints.registry.models import Region
from innopoints.scoring import execution
from innopoints.scoring.models import Result, Run, SchemeVersion

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "innopoints"
MESSAGES = PACKAGE / "locale" / "en" / "LC_MESSAGES"
PO = MESSAGES / "django.po"
# the project catalogue, and one per app that keeps its own (Django merges them all)
CATALOGUES = sorted(PACKAGE.glob("**/locale/en/LC_MESSAGES/django.po"))
APPS = (
    "registry",
    "collection",
    "scoring",
    "analysis",
    "accounts",
    "portals",
    "applications",
    "audit",
    "lending",
    "programmes",
    "targets",
    "onboarding",
)
# Han ideographs, CJK punctuation and full-width forms (，：（）etc.)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
MARKED = re.compile(
    r"\{%\s*(?:blocktranslate|blocktrans)\b.*?%\}.*?\{%\s*(?:endblocktranslate|endblocktrans)\s*%\}"
    r"|\{%\s*(?:translate|trans)\s.*?%\}"
    r'|\b_\("[^"]*"\)'  # a translated literal as a filter argument: default:_("全部")
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
    msgid_plural: str | None = None
    plurals: dict[int, str] = field(default_factory=dict)  # msgstr[n]

    @property
    def key(self) -> str:
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"

    def texts(self) -> list[str]:
        """The translation, or each plural form of it."""
        return [self.plurals[n] for n in sorted(self.plurals)] if self.plurals else [self.msgstr]

    def compiled(self) -> dict[Any, str]:
        """What the compiled catalogue holds for this entry (plural forms keyed by number)."""
        if self.msgid_plural is None:
            return {self.key: self.msgstr}
        return {(self.key, n): text for n, text in self.plurals.items()}


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, the header left out."""
    entries: list[Entry] = []
    current, last = Entry(), ""

    def add(name: str, text: str) -> None:
        plural = re.fullmatch(r"msgstr\[(\d+)\]", name)
        if plural:
            number = int(plural.group(1))
            current.plurals[number] = current.plurals.get(number, "") + text
        else:
            setattr(current, name, (getattr(current, name) or "") + text)

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
            add(last, ast.literal_eval(line))
        else:
            last, _, value = line.partition(" ")
            known = {"msgid", "msgstr", "msgctxt", "msgid_plural"}
            assert last in known or re.fullmatch(r"msgstr\[\d+\]", last), (
                f"unexpected line in {path}: {line}"
            )
            add(last, ast.literal_eval(value))
    return [e for e in entries if e.msgid]


def placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\([a-z_]+\)[.\d]*[sdf]|\{[a-z_]+\}", text))


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_english_catalogue_is_complete(po: Path) -> None:
    entries = read_po(po)
    assert len(entries) > (400 if po == PO else 0)
    empty = [e.msgid for e in entries if not all(e.texts())]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not empty and not fuzzy, (empty, fuzzy)
    untranslated_cjk = [e.msgid for e in entries if any(CJK.search(t) for t in e.texts())]
    assert not untranslated_cjk
    mismatched = [
        e.msgid for e in entries if any(placeholders(e.msgid) != placeholders(t) for t in e.texts())
    ]
    assert not mismatched
    plurals = [e for e in entries if e.msgid_plural is not None]
    assert all(sorted(e.plurals) == [0, 1] for e in plurals)  # nplurals=2 in English
    msgfmt = shutil.which("msgfmt")
    if msgfmt:
        checked = subprocess.run(
            [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(po)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert "untranslated" not in checked.stderr and "fuzzy" not in checked.stderr
        assert f"{len(entries)} translated messages" in checked.stderr


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_compiled_catalogue_is_up_to_date(po: Path, tmp_path: Path) -> None:
    """The committed .mo is the .po compiled (``django-admin compilemessages``)."""
    committed = po.with_suffix(".mo").read_bytes()
    msgfmt = shutil.which("msgfmt")
    if msgfmt:
        subprocess.run([msgfmt, "-o", str(tmp_path / "django.mo"), str(po)], check=True)
        assert (tmp_path / "django.mo").read_bytes() == committed, "run compilemessages"
    catalogue = gettext.GNUTranslations(io.BytesIO(committed))._catalog  # type: ignore[attr-defined]
    compiled = {key: text for key, text in catalogue.items() if key}
    assert compiled == {key: text for e in read_po(po) for key, text in e.compiled().items()}


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
    sheet = openpyxl.load_workbook(io.BytesIO(export.getvalue()), read_only=True).active
    assert next(sheet.iter_rows(values_only=True))[:3] == (  # type: ignore[union-attr]
        "Rank",
        "Unified social credit code",
        "Enterprise name",
    )


def test_government_portal_in_english(scored: Run) -> None:
    user = get_user_model().objects.create_user("chengdu", "c@example.invalid", "pw-chengdu")
    Profile.objects.create(
        user=user, role=Role.GOVERNMENT, region=Region.objects.get(code="510100")
    )
    client = Client()
    client.force_login(user)
    text = page(client, "/en/gov/")
    assert 'lang="en"' in text
    english = [
        ">Government portal</h1>",
        "Government portal home",
        "Verification findings",
        "Enterprises in the jurisdiction",
        "<span>Scoring runs</span>",
        "Government user",
        "Sign out",
    ]
    for words in english:
        assert words in text, words
    for words in ["政府端", "辖区企业", "核验问题", "积分测算", "政府用户", "退出"]:
        assert words not in text, words
    assert "政府端首页" in page(client, "/gov/")  # and Chinese without the prefix


def test_chinese_stays_the_default(scored: Run, boss: Client) -> None:
    text = page(boss, f"/scoring/runs/{scored.pk}/")
    assert 'lang="zh-hans"' in text
    assert "多种方法吻合度" in text and "Agreement between methods" not in text
