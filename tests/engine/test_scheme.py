"""Scheme files: the built-ins load, the Sichuan transcription is exact, problems are named."""

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from innopoints.engine.scheme import SchemeError, builtin_ids, load_scheme, scheme_from_mapping

SICHUAN = load_scheme("sichuan-2025")

# seed 004 附件2, transcribed again here by hand: (startup, growth, mature) per row 1–18
ANNEX_2 = {
    "rd_expense": (0.08, 0.08, 0.08, 1),
    "rd_growth": (0.06, 0.05, 0.04, 2),
    "rd_ratio": (0.08, 0.07, 0.06, 3),
    "st_ratio": (0.08, 0.07, 0.06, 4),
    "invention_apps": (0.07, 0.07, 0.07, 5),
    "pct_apps": (0.06, 0.06, 0.06, 6),
    "tech_contract": (0.06, 0.05, 0.04, 7),
    "hitech_revenue": (0.05, 0.05, 0.05, 8),
    "revenue": (0.05, 0.05, 0.05, 9),
    "revenue_growth": (0.06, 0.05, 0.04, 10),
    "postgrad_ratio": (0.05, 0.04, 0.03, 11),
    "rd_deduction_tax": (0.06, 0.06, 0.06, 12),
    "roe": (0.05, 0.06, 0.07, 13),
    "graduates": (0.03, 0.04, 0.05, 14),
    "platforms": (0.05, 0.06, 0.07, 15),
    "awards": (0.04, 0.05, 0.06, 16),
    "projects": (0.04, 0.05, 0.06, 17),
    "vc_amount": (0.03, 0.04, 0.05, 18),
}
LOG1P = {
    "rd_expense",
    "invention_apps",
    "pct_apps",
    "tech_contract",
    "hitech_revenue",
    "revenue",
    "rd_deduction_tax",
    "graduates",
    "platforms",
    "awards",
    "projects",
    "vc_amount",
}


def raw_sichuan() -> dict[str, Any]:
    path = Path(__file__).resolve().parents[2] / "src/innopoints/schemes/sichuan-2025.yaml"
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def test_sichuan_matches_annex_2() -> None:
    assert [i.code for i in SICHUAN.weighted] == list(ANNEX_2)
    for ind in SICHUAN.weighted:
        startup, growth, mature, row = ANNEX_2[ind.code]
        assert ind.weights == {"startup": startup, "growth": growth, "mature": mature}
        assert ind.source is not None and ind.source.row == row
        assert ind.transform == ("log1p" if ind.code in LOG1P else "none")
        assert ind.winsor == (0.01, 0.99)
    for stage in SICHUAN.stage_rule.codes:
        assert math.fsum((i.weights or {})[stage] for i in SICHUAN.weighted) == pytest.approx(1)


def test_sichuan_bonus_vetoes_and_rows() -> None:
    bonus = {
        i.code: (i.points_per_item, i.cap, i.source.row if i.source else None)
        for i in SICHUAN.bonus
    }
    assert bonus == {
        "strategic_industry": (1.0, 1.0, 19),
        "qualifications": (0.2, 0.8, 20),
        "talents": (0.2, 1.0, 21),
        "standards": (0.2, 1.0, 22),
        "ip_items": (0.2, 1.0, 23),
    }
    assert [(v.code, v.source.row if v.source else None) for v in SICHUAN.vetoes] == [
        ("veto_safety", 24),
        ("veto_blacklist", 25),
    ]
    assert SICHUAN.indicator("rd_expense").requires_authorisation
    assert SICHUAN.indicator("invention_apps").frequency == "半年"


def test_every_builtin_loads_and_examples_are_marked() -> None:
    ids = builtin_ids()
    assert "sichuan-2025" in ids and len(ids) >= 5
    for scheme_id in ids:
        scheme = load_scheme(scheme_id)
        assert scheme.example == scheme_id.startswith("example-")
        if scheme.example:
            assert "示例" in scheme.name.zh


def test_inheritance() -> None:
    city = load_scheme("example-city-1000")
    assert city.lineage == ("sichuan-2025@1",)
    assert city.scale == 1000 and city.reference_group == "stage"
    codes = [i.code for i in city.weighted]
    assert "vc_amount" not in codes and "university_projects" in codes
    assert city.indicator("rd_expense").weights == SICHUAN.indicator("rd_expense").weights
    assert city.indicator("talents").points_per_item == 2
    assert "university_projects" in city.catalogue
    core = load_scheme("example-core-18")
    assert len(core.weighted) == 18 and not core.bonus and len(core.vetoes) == 2


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(SchemeError) as caught:
        scheme_from_mapping(data)
    return caught.value.problems


def test_every_problem_is_named_at_once() -> None:
    data = raw_sichuan()
    inds = data["indicators"]
    inds[0]["weights"]["startup"] = 0.07  # startup now sums to 0.99
    inds[1]["category"] = "nowhere"
    inds[2]["derivation"]["inputs"] = ["rd_expense", "no_such_field"]
    inds[18]["cap"] = -1  # strategic_industry
    inds[3]["winsor"] = [0.5, 0.2]
    problems = problems_of(data)
    text = "\n".join(problems)
    assert "stage 'startup': weights sum to 0.99, not 1" in text
    assert "indicator rd_growth: unknown category 'nowhere'" in text
    assert "unknown code 'no_such_field'" in text
    assert "indicator strategic_industry: negative cap -1" in text
    assert "winsor bounds" in text
    assert len(problems) == 5


def test_structural_problems_name_their_place() -> None:
    data = raw_sichuan()
    data["indicators"][4]["kind"] = "weird"
    del data["version"]
    problems = problems_of(data)
    assert any(p.startswith("version:") for p in problems)
    assert any("indicators[4] (invention_apps).kind" in p for p in problems)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["indicators"][0]["weights"].pop("growth"), "no weight for stage 'growth'"),
        (lambda d: d["indicators"][0]["weights"].update(later=0.1), "unknown stage 'later'"),
        (lambda d: d["indicators"].append(copy.deepcopy(d["indicators"][0])), "used twice"),
        (lambda d: d.update(bonus_cap=-3), "bonus_cap must not be negative"),
        (lambda d: d.update(scale=0), "scale must be a positive number"),
        (lambda d: d["tiers"]["levels"][1].update(max_share=0.05), "max_share must rise"),
        (lambda d: d["stage_rule"]["stages"][1].update(max_age_years=3), "increase stage by"),
        (lambda d: d["indicators"][0].update(method="goalpost"), "needs goalpost.full_mark"),
        (lambda d: d["indicators"][0].update(method="bands", bands=[]), "non-empty list of bands"),
        (lambda d: d["indicators"][0].update(code="mystery"), "unknown code"),
        (lambda d: d["indicators"][18].update(inputs=["revenue"]), "must be a bool or a count"),
        (lambda d: d.update(period_end="02-30"), "not a day of the year"),
    ],
)
def test_single_problems(change: Any, expected: str) -> None:
    data = raw_sichuan()
    change(data)
    assert any(expected in p for p in problems_of(data)), problems_of(data)


def test_overlapping_bands_are_refused() -> None:
    data = raw_sichuan()
    data["indicators"][2].update(
        method="bands",
        bands=[{"lower": 0, "upper": 5, "fraction": 0.5}, {"lower": 4, "fraction": 1.5}],
    )
    problems = "\n".join(problems_of(data))
    assert "band 2 overlaps" in problems and "fraction 1.5 is not in [0, 1]" in problems


def test_unknown_builtin_and_missing_file() -> None:
    with pytest.raises(SchemeError, match="no built-in scheme 'atlantis'"):
        load_scheme("atlantis")
    with pytest.raises(SchemeError, match="file not found"):
        load_scheme(Path("/nonexistent/scheme.yaml"))


def test_inheritance_loop_and_bad_removal(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("id: a\nversion: '1'\nextends: b.yaml\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("id: b\nversion: '1'\nextends: a.yaml\n", encoding="utf-8")
    with pytest.raises(SchemeError, match="loops back"):
        load_scheme(tmp_path / "a.yaml")
    (tmp_path / "c.yaml").write_text(
        "id: c\nversion: '1'\nextends: sichuan-2025\nremove_indicators: [nothing]\n",
        encoding="utf-8",
    )
    with pytest.raises(SchemeError, match="'nothing' is not in sichuan-2025"):
        load_scheme(tmp_path / "c.yaml")


def test_fingerprint_changes_with_content() -> None:
    data = raw_sichuan()
    same = scheme_from_mapping(raw_sichuan())
    assert same.fingerprint == SICHUAN.fingerprint
    data["indicators"][0]["transform"] = "none"
    assert scheme_from_mapping(data).fingerprint != SICHUAN.fingerprint
