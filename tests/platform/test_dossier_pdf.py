"""一企一档 for batches: many files assembled with a fixed number of queries and equal to one
by one; the PDFs drawn by ReportLab in the TrueType copy of the system CJK font, with the
page's words and figures, in Chinese and in English, over as many pages as the facts need."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

from innopoints.analysis import dossier, pdf_fonts
from innopoints.collection.demo import import_all, write_files
from innopoints.collection.models import FactValue
from innopoints.registry.models import Enterprise
from innopoints.scoring import execution
from innopoints.scoring.models import Result, Run, SchemeVersion


def new_run() -> Run:
    run = Run.objects.create(
        period="2025", scheme_version=SchemeVersion.objects.get(scheme_id="sichuan-2025")
    )
    execution.execute(run)
    assert run.status == "done", run.error
    return run


@pytest.fixture
def two_runs(db: Any, tmp_path: Path) -> tuple[Run, Run]:
    import_all(write_files(tmp_path / "files", 40, seed=3), "2025")
    return new_run(), new_run()


def comparable(d: dossier.Dossier) -> tuple[Any, ...]:
    view = d.portrait
    return (
        d.enterprise.pk,
        [r.pk for r in d.region_path],
        view.result.pk if view.result else None,
        view.axes,
        view.strengths,
        view.weaknesses,
        [r.pk for r in view.trend],
        view.pools,
        d.facts,
        d.period,
    )


def test_many_files_equal_one_by_one_with_a_fixed_number_of_queries(
    two_runs: tuple[Run, Run],
) -> None:
    first, second = two_runs
    bare = Enterprise.objects.create(credit_code="91510100MA00000001", name="未报送企业")
    enterprises = [*Enterprise.objects.exclude(pk=bare.pk).order_by("id")[:12], bare]
    with CaptureQueriesContext(connection) as few:
        built = dossier.build_many(enterprises[:3])
    with CaptureQueriesContext(connection) as many:
        built = dossier.build_many(enterprises)
    assert (
        len(many.captured_queries) == len(few.captured_queries) + 1
    )  # + the unscored one's period
    assert [comparable(d) for d in built] == [comparable(dossier.build(e)) for e in enterprises]
    scored = built[0]
    assert scored.portrait.result is not None and scored.portrait.result.run_id == second.pk
    assert [r.run_id for r in scored.portrait.trend] == [first.pk, second.pk]
    used_ids = set(Run.objects.defer(None).get(pk=second.pk).fact_ids().tolist())
    facts = FactValue.objects.filter(enterprise=scored.enterprise, period="2025")
    expected = sorted((f.field_code, f.source.name, f.version, f.pk in used_ids) for f in facts)
    got = sorted(
        (f["code"], v["source"], v["version"], v["used"])
        for f in scored.facts
        for v in f["versions"]
    )
    assert got == expected and any(u for *_x, u in got)
    assert (built[-1].period, built[-1].facts, built[-1].portrait.result) == (None, [], None)


def test_the_truetype_copy_keeps_every_character_and_its_metrics() -> None:
    found = pdf_fonts.system_font(settings.INNOPOINTS_PDF_FONT)
    assert found is not None
    path = pdf_fonts.truetype_font()
    assert path.parent == Path(settings.INNOPOINTS_FONT_CACHE)
    original = TTFont(found[0], fontNumber=found[1], lazy=True)
    copy = TTFont(path, lazy=True)
    assert "CFF " in original and "glyf" in copy and "CFF " not in copy

    def glyph_ids(font: TTFont) -> dict[int, int]:
        return {c: font.getGlyphID(name) for c, name in font.getBestCmap().items()}

    assert glyph_ids(copy) == glyph_ids(original)  # every character, the same glyph ids
    assert len(copy.getBestCmap()) > 40_000
    compact = TTFont(pdf_fonts.truetype_font(compact=True))
    assert set(compact.getBestCmap()) == pdf_fonts.charset() & set(original.getBestCmap())
    assert sum(0x4E00 <= p <= 0x9FFF for p in compact.getBestCmap()) == 6763  # GB 2312's hanzi
    assert "glyf" in compact and compact["maxp"].numGlyphs < 9000
    assert ord("喆") not in compact.getBestCmap()
    outlines = original.getGlyphSet()
    for char in "一企一档喆堃A%（）·":
        name = original.getBestCmap()[ord(char)]
        converted = copy.getGlyphName(original.getGlyphID(name))
        assert copy["hmtx"][converted][0] == original["hmtx"][name][0]  # the same advance
        if char != "·":
            pen = BoundsPen(outlines)
            outlines[name].draw(pen)
            glyph = copy["glyf"][converted]
            bounds = (glyph.xMin, glyph.yMin, glyph.xMax, glyph.yMax)
            assert glyph.numberOfContours > 0, char
            assert max(abs(a - b) for a, b in zip(bounds, pen.bounds, strict=True)) <= 2, char


def test_a_missing_font_is_named() -> None:
    assert pdf_fonts.system_font("No Such Font Family 42") is None
    with (
        override_settings(INNOPOINTS_PDF_FONT="No Such Font Family 42"),
        pytest.raises(pdf_fonts.FontMissing, match=r"No Such Font Family 42.*fonts-noto-cjk"),
    ):
        pdf_fonts.truetype_font.__wrapped__()


def embedded_fonts(data: bytes, tmp_path: Path) -> set[str]:
    pdf = tmp_path / "fonts.pdf"
    pdf.write_bytes(data)
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True)
    rows = [line.split() for line in fonts.stdout.splitlines()[2:]]
    assert rows and all(row[-5:-2] == ["yes", "yes", "yes"] for row in rows)  # embedded,
    return {row[0].split("+")[-1] for row in rows}  # subset, with its unicode map


def pdf_text(data: bytes, tmp_path: Path, name: str = "dossier.pdf", how: str = "-layout") -> str:
    pdf = tmp_path / name
    pdf.write_bytes(data)
    return subprocess.run(
        ["pdftotext", how, str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_a_file_with_a_rare_character_is_set_in_the_whole_font(
    two_runs: tuple[Run, Run], tmp_path: Path
) -> None:
    enterprise = Enterprise.objects.order_by("id").first()
    assert enterprise is not None
    enterprise.name = "四川喆堃科技有限公司"  # 喆 and 堃 are outside GB 2312
    enterprise.save()
    data = dossier.pdf(dossier.build(enterprise))
    assert embedded_fonts(data, tmp_path) == {pdf_fonts.FONT_NAME}
    text = pdf_text(data, tmp_path)
    assert "一企一档 · 四川喆堃科技有限公司" in text
    assert enterprise.credit_code in text and "指标数据（2025）及来源" in text


def test_the_pdf_holds_the_pages_words_and_figures(
    two_runs: tuple[Run, Run], tmp_path: Path
) -> None:
    _first, second = two_runs
    result = Result.objects.filter(run=second, vetoed=False).order_by("rank").first()
    assert result is not None
    built = dossier.build(result.enterprise)
    data = dossier.pdf(built)
    assert embedded_fonts(data, tmp_path) == {pdf_fonts.COMPACT_FONT_NAME}
    text = "".join(pdf_text(data, tmp_path, how="-raw").split())  # in order
    view = built.portrait
    expected = [
        result.enterprise.name,
        result.enterprise.credit_code,
        " / ".join(r.name for r in built.region_path),
        f"总积分 {result.total:.2f}",
        f"排名 {result.rank}，{result.tier} 档",
        *[f"{a.name} {a.mine}% {a.median}% {a.p90}%" for a in view.axes],
        *[f"#{r.run_id} 2025" for r in view.trend],
        "优势：" + "；".join(view.strengths),
        "一企一档 · 1 / ",
    ]
    for fact in built.facts:
        first = fact["versions"][0]
        used = " 是" if first["used"] else ""
        expected.append(f"{fact['name']} {first['value']} {first['source']} v{first['version']}")
        expected.append(f"v{first['version']} {first['batch'] or '人工'}{used}")
    assert len(expected) > 40
    missing = [words for words in expected if "".join(words.split()) not in text]
    assert not missing, (missing, text)


def test_a_long_file_runs_over_pages_with_the_header_repeated(
    two_runs: tuple[Run, Run], tmp_path: Path
) -> None:
    built = dossier.build(Enterprise.objects.order_by("id").first())
    facts = [
        {**fact, "versions": fact["versions"] * 6} for fact in built.facts * 3
    ]  # 18 times the rows
    long = dataclasses.replace(built, facts=facts)
    text = pdf_text(dossier.pdf(long), tmp_path)
    pages = text.split("\f")[:-1]
    assert len(pages) >= 3
    for number, page in enumerate(pages, 1):
        assert f"一企一档 · {number} / {len(pages)}" in page
    assert all("数值" in page and "批次" in page for page in pages[1:])  # the header, again
    with translation.override("en"):
        english = pdf_text(dossier.pdf(long), tmp_path, "english.pdf")
    english_pages = english.split("\f")[:-1]
    assert f"Enterprise file · 1 / {len(english_pages)}" in english_pages[0]
    assert "Indicator data (2025) and sources" in english and "Version" in english
