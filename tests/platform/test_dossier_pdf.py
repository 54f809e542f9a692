"""一企一档 for batches: many files assembled with a fixed number of queries and equal to one
by one, and the PDFs set in the compact copy of the CJK font, falling back to the system font
for a character the copy lacks."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fontTools.ttLib import TTFont

from innopoints.analysis import dossier, pdf_fonts
from innopoints.collection.demo import import_all, write_files
from innopoints.collection.models import FactValue
from innopoints.registry.models import Enterprise
from innopoints.scoring import execution
from innopoints.scoring.models import Run, SchemeVersion


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
        d.radar,
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


def test_the_compact_font_holds_gb2312_and_the_usual_symbols() -> None:
    points = pdf_fonts.charset()
    assert sum(0x4E00 <= p <= 0x9FFF for p in points) == 6763  # GB 2312's hanzi, all of them
    assert {ord(c) for c in "一企一档·■％（）、—–≤"} <= points
    assert ord("喆") not in points  # GBK, not GB 2312: printed from the system font
    path = pdf_fonts.compact_font()
    assert path is not None and path.parent == Path(settings.INNOPOINTS_FONT_CACHE)
    font = TTFont(path)
    assert set(font.getBestCmap()) == points & set(font.getBestCmap())
    assert {ord(c) for c in "四川示例科技有限公司一企一档"} <= set(font.getBestCmap())
    assert font["maxp"].numGlyphs < 9000


def test_a_missing_font_is_reported_as_none() -> None:
    assert pdf_fonts.system_font("No Such Font Family 42") is None


def test_the_pdf_embeds_the_compact_font_and_falls_back_for_a_rare_character(
    two_runs: tuple[Run, Run], tmp_path: Path
) -> None:
    enterprise = Enterprise.objects.order_by("id").first()
    assert enterprise is not None
    enterprise.name = "四川喆堃科技有限公司"  # 喆 and 堃 are outside GB 2312
    enterprise.save()
    pdf = tmp_path / "dossier.pdf"
    pdf.write_bytes(dossier.pdf(dossier.build(enterprise)))
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True)
    names = [line.split()[0].split("+")[-1] for line in fonts.stdout.splitlines()[2:]]
    assert names[0] == "InnoPDF-CJK" and len(names) == 2, names  # + the system font for 2 glyphs
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True)
    assert "一企一档 · 四川喆堃科技有限公司" in text.stdout
    assert enterprise.credit_code in text.stdout and "指标数据（2025）及来源" in text.stdout
