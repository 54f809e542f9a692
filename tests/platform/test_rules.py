"""Rules with one home each (issue 15), held to hand-computed tables so that a caller that
copied one instead of calling it, and drifted, fails here or in its own tests:

- an authorisation in force, a qualification held (collection/registry models);
- the explanation lines an authorisation's scope shows (scoring.explain.lines_in_scope);
- the values a run used (scoring/used_values.py);
- which runs are published (analysis/publication.py);
- a scheme version's parsed scheme, parsed once per content (SchemeVersion.scheme).

Yes/no values: tests/engine/test_booleans.py."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from django.utils import timezone

from innopoints.analysis import publication
from innopoints.analysis.models import Leaderboard
from innopoints.api import api
from innopoints.collection.models import Authorisation, DataSource, FactValue
from innopoints.portals import institution
from innopoints.registry.models import Enterprise, Qualification, Region, held_in
from innopoints.scoring import explain, models
from innopoints.scoring.models import Run, SchemeVersion
from innopoints.scoring.used_values import used_mask, used_values
from tests.conftest import codes

DAY = dt.date(2025, 6, 30)


def _enterprises(n: int) -> list[Enterprise]:
    return [
        Enterprise.objects.create(credit_code=code, name=f"规则测试企业{i}", region_id="510107")
        for i, code in enumerate(codes(n))
    ]


def test_an_authorisation_in_force_is_one_rule(db: Any) -> None:
    (enterprise,) = _enterprises(1)
    tax = DataSource.objects.get(code="tax")
    spans: dict[str, tuple[dt.date, dt.date | None, bool]] = {
        "open": (dt.date(2025, 1, 1), None, False),
        "not_begun": (dt.date(2025, 7, 1), None, False),
        "begins_today": (DAY, None, False),
        "ends_today": (dt.date(2025, 1, 1), DAY, False),
        "ended_yesterday": (dt.date(2025, 1, 1), DAY - dt.timedelta(days=1), False),
        "revoked": (dt.date(2025, 1, 1), None, True),
        "revoked_and_ended": (dt.date(2025, 1, 1), dt.date(2025, 3, 1), True),
    }
    grants = {
        name: Authorisation.objects.create(
            enterprise=enterprise,
            source=tax,
            valid_from=start,
            valid_to=end,
            revoked_at=timezone.now() if revoked else None,
        )
        for name, (start, end, revoked) in spans.items()
    }
    in_force = {"open", "begins_today", "ends_today"}
    by_query = {
        name
        for name, g in grants.items()
        if Authorisation.objects.active_on(DAY).filter(pk=g.pk).exists()
    }
    by_record = {name for name, g in grants.items() if g.active_on(DAY)}
    assert by_query == by_record == in_force
    lapsed = set(Authorisation.objects.lapsed_before(DAY).values_list("pk", flat=True))
    assert lapsed == {grants["ended_yesterday"].pk}


def test_a_qualification_held_in_a_year(db: Any) -> None:
    (enterprise,) = _enterprises(1)
    spans = {
        "open": (2020, None),
        "ends": (2020, 2025),
        "ended": (2020, 2024),
        "later": (2026, None),
    }
    held = {
        name: Qualification.objects.create(
            enterprise=enterprise, kind="hitech", valid_from=start, valid_to=end
        ).pk
        for name, (start, end) in spans.items()
    }
    found = set(Qualification.objects.filter(held_in(2025)).values_list("pk", flat=True))
    assert found == {held["open"], held["ends"]}


def _line(code: str, *fields: str) -> Any:
    return SimpleNamespace(code=code, facts=[SimpleNamespace(field_code=f) for f in fields])


def test_explanation_lines_in_an_authorisation_scope() -> None:
    ratio = _line("rd_ratio", "rd_expense", "revenue")
    patents = _line("patents")
    gazelle = _line("qual_gazelle", "qual_gazelle")
    lines = [ratio, patents, gazelle]
    assert explain.lines_in_scope(lines, set()) == lines  # an empty scope: everything
    assert explain.lines_in_scope(lines, {"revenue"}) == [ratio]  # through a stored value
    assert explain.lines_in_scope(lines, {"patents", "qual_gazelle"}) == [patents, gazelle]
    assert explain.lines_in_scope(lines, {"profit"}) == []
    # the API and the 金融端 call this rule rather than keep their own copy
    assert api.lines_in_scope is institution.lines_in_scope is explain.lines_in_scope


def test_used_mask_by_hand() -> None:
    found = used_mask(np.array([2, 5, 9]), np.array([1, 2, 5, 6, 9, 10]))
    assert found.tolist() == [False, True, True, False, True, False]
    assert used_mask(np.zeros(0, dtype=np.int64), np.array([1])).tolist() == [False]


def test_the_values_a_run_used(db: Any, django_assert_num_queries: Any) -> None:
    first, second, third = _enterprises(3)
    source = DataSource.objects.get(code="tax")

    def fact(enterprise: Enterprise, field: str, value: float, version: int = 1) -> int:
        return FactValue.objects.create(
            enterprise=enterprise,
            period="2025",
            field_code=field,
            value=value,
            source=source,
            version=version,
        ).pk

    fact(first, "revenue", 100.0)  # superseded: the run used version 2
    used = [
        fact(first, "revenue", 120.0, version=2),
        fact(first, "rd_expense", 7.0),
        fact(second, "revenue", 50.0),
        fact(third, "revenue", 30.0),
    ]
    fact(second, "rd_expense", 3.0)  # recorded after the run: not used
    run = Run.objects.create(
        period="2025",
        scheme_version=SchemeVersion.objects.get(scheme_id="sichuan-2025"),
        input_fact_ids=Run.pack_fact_ids(np.array(used, dtype=np.int64)),
    )
    run = Run.objects.get(pk=run.pk)  # the ids deferred, as pages load a run
    with django_assert_num_queries(2):  # the run's ids, then the values: none per enterprise
        wide = used_values(run, ["revenue", "rd_expense", "profit"], [first.pk, second.pk])
    rows = {r["enterprise_id"]: r for r in wide.sort("enterprise_id").to_dicts()}
    assert rows == {
        first.pk: {
            "enterprise_id": first.pk,
            "revenue": 120.0,
            "rd_expense": 7.0,
            "profit": None,
        },
        second.pk: {
            "enterprise_id": second.pk,
            "revenue": 50.0,
            "rd_expense": None,
            "profit": None,
        },
    }
    every = used_values(run, None, None)
    assert sorted(every.columns) == ["enterprise_id", "rd_expense", "revenue"]
    assert dict(every.select("enterprise_id", "revenue").iter_rows()) == {
        first.pk: 120.0,
        second.pk: 50.0,
        third.pk: 30.0,
    }


def _run(scheme_id: str, region: str | None, board: str | None) -> Run:
    run = Run.objects.create(
        period="2025",
        status="done",
        region_id=region,
        scheme_version=SchemeVersion.objects.get(scheme_id=scheme_id),
    )
    if board is not None:  # no signal: a published board would start the run's matching
        Leaderboard.objects.bulk_create([Leaderboard(run=run, title=board, status=board)])
    return run


def test_which_runs_are_published(db: Any) -> None:
    (enterprise,) = _enterprises(1)  # in 510107 (成都市武侯区)
    province = _run("sichuan-2025", None, "published")
    _run("sichuan-2025", None, "draft")
    _run("sichuan-2025", None, None)
    _run("example-city-1000", None, "published")
    city = _run("sichuan-2025", "510100", "published")
    elsewhere = _run("sichuan-2025", "510300", "published")
    assert Region.objects.filter(code__in=["510100", "510300"]).count() == 2
    assert set(publication.published_runs()) == {province, city, elsewhere}
    assert set(publication.published_runs(enterprise)) == {province, city}


def test_a_scheme_is_parsed_once_per_content(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[Any] = []
    real = models.scheme_from_mapping
    monkeypatch.setattr(models, "scheme_from_mapping", lambda data: parsed.append(1) or real(data))
    models._parsed_scheme.cache_clear()
    version = SchemeVersion.objects.get(scheme_id="sichuan-2025")
    first = version.scheme()
    assert SchemeVersion.objects.get(pk=version.pk).scheme() is first
    assert len(parsed) == 1
    original = version.content
    version.content = {**original, "bonus_cap": 4}
    assert version.scheme().bonus_cap == 4 and first.bonus_cap is None  # never served stale
    assert len(parsed) == 2
    version.content = original
    assert version.scheme() is first and len(parsed) == 2
