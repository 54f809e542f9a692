"""Frozen parameters (docs/METHOD.md §11), self-assessment, and bit-identical reruns (§9)."""

import subprocess
import sys

import numpy as np
import polars as pl
import pytest

from innopoints.engine import load_scheme, score, score_against
from innopoints.engine.params import FrozenParameters
from innopoints.engine.synth import synth_frame

SICHUAN = load_scheme("sichuan-2025")


@pytest.fixture(scope="module")
def province() -> pl.DataFrame:
    return synth_frame(3000, seed=11)


def test_rerun_is_bit_identical(province: pl.DataFrame) -> None:
    first = score(SICHUAN, province, "2025").breakdown_frame()
    second = score(SICHUAN, province.clone(), "2025").breakdown_frame()
    assert first.equals(second, null_equal=True)


def test_members_score_the_same_against_frozen_parameters(province: pl.DataFrame) -> None:
    run = score(SICHUAN, province, "2025")
    frozen = FrozenParameters.from_json(run.parameters.to_json())
    sample = province[[5, 17, 400, 2999]]
    estimate = score_against(SICHUAN, frozen, sample)
    assert estimate.estimate
    idx = [5, 17, 400, 2999]
    np.testing.assert_array_equal(estimate.total, run.total[idx])
    np.testing.assert_array_equal(estimate.rank, run.rank[idx])
    np.testing.assert_array_equal(estimate.tier, run.tier[idx])
    for code in run.indicators:
        np.testing.assert_array_equal(
            estimate.indicators[code].points, run.indicators[code].points[idx]
        )


def test_self_assessment_does_not_renormalise(province: pl.DataFrame) -> None:
    run = score(SICHUAN, province, "2025")
    me = province[[42]]
    better = me.with_columns(pl.col("invention_apps") + 50, pl.col("vc_amount") * 0 + 1e6)
    estimate = score_against(SICHUAN, run.parameters, better)
    assert estimate.total[0] > run.total[42]
    assert estimate.rank[0] <= run.rank[42]
    # the frozen L, U are used, not refitted: an extreme value is simply clipped at U
    vc = estimate.indicators["vc_amount"]
    assert vc.normalised[0] == 1.0
    assert vc.upper[0] == run.parameters.indicators["vc_amount"].groups[0].upper
    # rank is 1 + the number of run totals above the estimate
    assert estimate.rank[0] == 1 + int((run.total[run.rank > 0] > estimate.total[0]).sum())


def test_frozen_parameters_refuse_another_scheme(province: pl.DataFrame) -> None:
    run = score(SICHUAN, province[:50], "2025")
    with pytest.raises(ValueError, match="another content"):
        score_against(load_scheme("example-core-18"), run.parameters, province[:1])


def test_json_round_trip_is_exact(province: pl.DataFrame) -> None:
    run = score(SICHUAN, province, "2025")
    again = FrozenParameters.from_json(run.parameters.to_json())
    assert again.to_json() == run.parameters.to_json()
    np.testing.assert_array_equal(again.ranked_totals, run.parameters.ranked_totals)


def test_engine_imports_no_web_framework() -> None:
    code = (
        "import sys, innopoints.engine, innopoints.engine.synth, innopoints.cli\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in {'django', 'ninja', 'celery'}]\n"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
