"""Property tests of the risk-compensation ledger (hypothesis): any sequence of funding,
filings, checks, repayments, defaults, claims, approvals and payments keeps balance = funds in −
payouts ≥ 0 to the cent, approved-unpaid within the balance, every payout within its loan's
share and cap, and the exposure equal to the open accepted filings."""

from __future__ import annotations

from collections import defaultdict
from contextlib import suppress
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from innopoints.programmes import pool
from innopoints.programmes.models import Claim, Filing, LedgerEntry
from tests.platform.programmes_world import TODAY, World, make_world

LOANS = 5
cents = st.integers(min_value=1, max_value=20_000).map(lambda n: Decimal(n) / 100)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("fund"), cents, st.none()),
        st.tuples(st.just("file"), st.integers(0, LOANS - 1), cents),
        st.tuples(st.just("accept"), st.integers(0, 9), st.booleans()),
        st.tuples(st.just("repay"), st.integers(0, LOANS - 1), st.none()),
        st.tuples(st.just("default"), st.integers(0, LOANS - 1), st.none()),
        st.tuples(st.just("claim"), st.integers(0, 9), cents),
        st.tuples(st.just("approve"), st.integers(0, 9), st.booleans()),
        st.tuples(st.just("pay"), st.integers(0, 9), st.none()),
        # the whole path at once (each step may still be refused), so that payouts happen often
        st.tuples(st.just("cycle"), st.integers(0, LOANS - 1), cents),
    ),
    max_size=40,
)


class Rollback(Exception):
    pass


@pytest.fixture
def world(db: Any) -> World:
    # a small fund so that the balance limit bites; cap 30 so that the per-loan cap bites
    made = make_world(fund_size=Decimal("150.00"), per_loan_cap=Decimal("30.00"))
    made.extra["loans"] = [
        made.loan(made.local[i % len(made.local)], amount="100") for i in range(LOANS)
    ]
    return made


def _pick(queryset: Any, i: int) -> Any:
    rows = list(queryset.order_by("pk"))
    return rows[i % len(rows)] if rows else None


def apply(world: World, step: tuple[str, Any, Any]) -> None:
    kind, a, b = step
    loans = world.extra["loans"]
    programme = world.programme
    if kind == "fund":
        pool.add_funds(programme, a, world.city)
    elif kind == "file":
        loans[a].refresh_from_db()
        pool.file_loan(
            programme, loans[a], world.bank_a, world.banker_a, covered_amount=b, on=TODAY
        )
    elif kind == "accept":
        filing = _pick(Filing.objects.filter(status="filed"), a)
        if filing is not None:
            pool.check_filing(filing, accept=b, reason="" if b else "不符合", user=world.city)
    elif kind == "repay":
        loan = loans[a]
        loan.refresh_from_db()
        if loan.status != "defaulted":
            loan.status = "repaid"
            loan.save()
            for filing in Filing.objects.filter(financing=loan, status="accepted"):
                pool.close_filing(filing, world.city)
    elif kind == "default":
        loan = loans[a]
        loan.refresh_from_db()
        if loan.status != "repaid":
            loan.status = "defaulted"
            loan.save()
    elif kind == "claim":
        filing = _pick(Filing.objects.filter(status="accepted"), a)
        if filing is not None:
            pool.file_claim(filing, b, world.bank_a, world.banker_a)
    elif kind == "approve":
        claim = _pick(Claim.objects.filter(status="claimed"), a)
        if claim is not None:
            pool.decide_claim(claim, approve=b, reason="" if b else "材料不足", user=world.city)
    elif kind == "cycle":
        for part in (
            ("fund", b, None),
            ("file", a, None),
            ("accept", 0, True),
            ("default", a, None),
            ("claim", 0, b),
            ("approve", 0, True),
            ("pay", 0, None),
        ):
            with suppress(pool.ProgrammeError):
                apply(world, part)
    elif kind == "pay":
        claim = _pick(Claim.objects.filter(status="approved"), a)
        if claim is not None:
            pool.pay_claim(claim, world.city)


def check(world: World) -> None:
    programme = world.programme
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for kind, amount in LedgerEntry.objects.filter(programme=programme).values_list(
        "kind", "amount"
    ):
        sums[kind] += amount
    balance = sums["fund_in"] - sums["payout"]
    assert pool.balance(programme) == balance >= 0
    assert sums["fund_in"] <= programme.fund_size
    assert pool.approved_unpaid(programme) <= balance
    paid = sum((c.payout for c in Claim.objects.filter(status="paid")), Decimal(0))
    assert paid == sums["payout"]
    exposure = sums["exposure_add"] - sums["exposure_release"]
    open_filings = Filing.objects.filter(programme=programme, status="accepted")
    assert exposure == sum((f.covered_amount for f in open_filings), Decimal(0)) >= 0
    per_loan: dict[int, Decimal] = defaultdict(Decimal)
    for claim in Claim.objects.filter(status__in=["approved", "paid"]).select_related("filing"):
        share = (claim.loss * programme.pool_share / 100).quantize(Decimal("0.01"), ROUND_DOWN)
        assert 0 < claim.payout <= share
        per_loan[claim.filing.financing_id] += claim.payout
    assert all(total <= programme.per_loan_cap for total in per_loan.values())
    for filing in Filing.objects.all():
        claimed = sum((c.loss for c in filing.claims.exclude(status="refused")), Decimal(0))
        assert claimed <= filing.covered_amount


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=steps)
def test_any_sequence_keeps_the_ledger_whole(world: World, sequence: list[Any]) -> None:
    try:
        with transaction.atomic():
            for step in sequence:
                with suppress(pool.ProgrammeError):  # refused: nothing changed
                    apply(world, step)
                check(world)
            event(
                "a claim was paid" if Claim.objects.filter(status="paid").exists() else "none paid"
            )
            raise Rollback
    except Rollback:
        pass
