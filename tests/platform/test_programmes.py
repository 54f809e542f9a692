"""Risk-compensation programmes, filings, claims, the ledger, subsidies and awards against
hand-computed figures; bad input changes nothing; access by role and division."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from innopoints.accounts.models import Role
from innopoints.applications.models import Financing, Message, Offering
from innopoints.audit.models import AuditEntry
from innopoints.lending.demo import BANKS, banker
from innopoints.lending.models import Application, ApplicationEvent
from innopoints.ops.demo import _financing_loop
from innopoints.programmes import demo, pool, relending, subsidies
from innopoints.programmes.models import (
    Claim,
    Filing,
    LedgerEntry,
    Programme,
    Subsidy,
    SubsidyScheme,
)
from innopoints.programmes.pool import ProgrammeError
from innopoints.registry.english import english_name
from innopoints.registry.models import Qualification, Region
from innopoints.targets import funnel, progress
from innopoints.targets.models import Target
from tests.platform.conftest import scored_province
from tests.platform.programmes_world import DISBURSED, TODAY, World, make_world, user
from tests.platform.test_page_walk import _Text, bare_codes, problems_in

D = Decimal
S = Application.Status


@pytest.fixture
def world(db: Any) -> World:
    return make_world()


def counts() -> tuple[int, ...]:
    return (
        Filing.objects.count(),
        Claim.objects.count(),
        LedgerEntry.objects.count(),
        Subsidy.objects.count(),
    )


def accepted(world: World, financing: Any, covered: str | None = None) -> Filing:
    filing = pool.file_loan(
        world.programme,
        financing,
        financing.institution,
        world.banker_a,
        covered_amount=covered,
        on=TODAY,
    )
    return pool.check_filing(filing, accept=True, reason="", user=world.city)


def defaulted(financing: Any) -> None:
    financing.status = "defaulted"
    financing.save()


# -- programmes as data ---------------------------------------------------------------------


def test_shares_sum_to_100_and_guarantor_at_most_35() -> None:
    base = {
        "name": "p",
        "fund_size": D(100),
        "filing_days": 30,
        "valid_from": dt.date(2026, 1, 1),
    }
    ok = Programme(**base, bank_share=D(30), pool_share=D(35), guarantor_share=D(35))
    ok.clean()
    with pytest.raises(ValidationError, match="100"):
        Programme(**base, bank_share=D(30), pool_share=D(30), guarantor_share=D(30)).clean()
    with pytest.raises(ValidationError, match="35"):
        Programme(**base, bank_share=D(20), pool_share=D(40), guarantor_share=D(40)).clean()
    # seed 001: the pool bears 50 % of the additional loss on first-credit loans
    first = Programme(
        **base, bank_share=D(50), pool_share=D(50), guarantor_share=D(0), first_credit_only=True
    )
    first.clean()


# -- filing ---------------------------------------------------------------------------------


def test_filing_checks_and_refusal_then_refiling(world: World) -> None:
    loan = world.loan(world.local[0])
    filing = pool.file_loan(world.programme, loan, world.bank_a, world.banker_a, on=TODAY)
    assert filing.covered_amount == D("100.00") and filing.status == "filed"
    assert pool.exposure(world.programme) == 0  # not yet checked
    with pytest.raises(ProgrammeError, match="已经备案"):
        pool.file_loan(world.programme, loan, world.bank_a, world.banker_a, on=TODAY)
    with pytest.raises(ProgrammeError, match="原因"):
        pool.check_filing(filing, accept=False, reason=" ", user=world.city)
    pool.check_filing(filing, accept=False, reason="材料不全", user=world.city)
    again = pool.file_loan(world.programme, loan, world.bank_a, world.banker_a, on=TODAY)
    pool.check_filing(again, accept=True, reason="", user=world.city)
    assert pool.exposure(world.programme) == D("100.00")


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("late", "备案期限"),
        ("early", "晚于备案日期"),
        ("tier", "档次"),
        ("other_bank", "本机构发放"),
        ("away", "适用地区"),
        ("not_member", "合作金融机构"),
        ("repaid", "已放款且未结清"),
        ("too_much", "不超过贷款金额"),
    ],
)
def test_bad_filing_changes_nothing(world: World, case: str, message: str) -> None:
    loan = world.loan(world.local[1])
    institution, on, covered = world.bank_a, TODAY, None
    if case == "late":
        on = DISBURSED + dt.timedelta(days=31)
    elif case == "early":
        on = DISBURSED - dt.timedelta(days=1)
    elif case == "tier":
        loan = world.loan(world.local[2], tier="C")
    elif case == "other_bank":
        institution = world.bank_b
    elif case == "away":
        loan = world.loan(world.away)
    elif case == "not_member":
        world.programme.institutions.remove(world.bank_a)
    elif case == "repaid":
        loan.status = "repaid"
        loan.save()
    elif case == "too_much":
        covered = "100.01"
    before = counts()
    with pytest.raises(ProgrammeError, match=message):
        pool.file_loan(
            world.programme, loan, institution, world.banker_a, covered_amount=covered, on=on
        )
    assert counts() == before
    # on the deadline day itself it is still accepted
    if case == "late":
        pool.file_loan(
            world.programme, loan, institution, world.banker_a, on=DISBURSED + dt.timedelta(30)
        )


def test_first_credit_only(world: World) -> None:
    world.programme.first_credit_only = True
    world.programme.save()
    first = world.loan(world.local[0], disbursed=DISBURSED)
    second = world.loan(world.local[0], world.bank_b, disbursed=DISBURSED + dt.timedelta(days=1))
    pool.file_loan(world.programme, first, world.bank_a, world.banker_a, on=TODAY)
    with pytest.raises(ProgrammeError, match="首贷"):
        pool.file_loan(world.programme, second, world.bank_b, world.banker_b, on=TODAY)


# -- claims and payouts ---------------------------------------------------------------------


def test_payout_share_cap_and_balance(world: World) -> None:
    """pool 40 %, per-loan cap 50, fund 1000 put in as 60."""
    pool.add_funds(world.programme, "60", world.city)
    small = world.loan(world.local[0], amount="80")
    big = world.loan(world.local[1], amount="300")
    third = world.loan(world.local[2], amount="200")
    f_small, f_big, f_third = (accepted(world, x) for x in (small, big, third))
    assert pool.exposure(world.programme) == D("580.00")
    for loan in (small, big, third):
        defaulted(loan)

    # 80 × 40 % = 32.00 (below the cap 50 and the balance 60)
    c1 = pool.file_claim(f_small, "80", world.bank_a, world.banker_a)
    c1 = pool.decide_claim(c1, approve=True, reason="", user=world.city)
    assert c1.payout == D("32.00")
    # 300 × 40 % = 120 → the per-loan cap 50; balance 60 − approved-unpaid 32 = 28 → 28.00
    c2 = pool.file_claim(f_big, "300", world.bank_a, world.banker_a)
    c2 = pool.decide_claim(c2, approve=True, reason="", user=world.city)
    assert c2.payout == D("28.00")
    # the pool is fully committed: a third approval would be 0 and is refused
    c3 = pool.file_claim(f_third, "33.33", world.bank_a, world.banker_a)
    with pytest.raises(ProgrammeError, match="为 0"):
        pool.decide_claim(c3, approve=True, reason="", user=world.city)
    pool.pay_claim(c1, world.city)
    pool.pay_claim(c2, world.city)
    assert pool.balance(world.programme) == D("0.00")
    # fresh funds: 33.33 × 40 % = 13.332 → rounded down to 13.33
    pool.add_funds(world.programme, "100", world.city)
    c3 = pool.decide_claim(c3, approve=True, reason="", user=world.city)
    assert c3.payout == D("13.33")
    pool.pay_claim(c3, world.city)
    figures = pool.summary(world.programme)
    assert figures["funds_in"] == D("160.00")
    assert figures["paid_out"] == D("73.33")
    assert figures["balance"] == D("86.67") == figures["funds_in"] - figures["paid_out"]
    assert figures["claims_paid"] == figures["paid_out"]
    assert figures["exposure"] == D("0.00")  # all three compensated and closed
    assert Filing.objects.get(pk=f_big.pk).status == "closed"
    # the loans' applications (lending) became 已代偿 when their claims were paid
    assert set(
        Application.objects.filter(financing__in=[small, big, third]).values_list(
            "status", flat=True
        )
    ) == {"compensated"}


def test_per_loan_cap_counts_earlier_approvals(world: World) -> None:
    pool.add_funds(world.programme, "500", world.city)
    loan = world.loan(world.local[0], amount="200")
    filing = accepted(world, loan)
    defaulted(loan)
    c1 = pool.file_claim(filing, "100", world.bank_a, world.banker_a)
    assert pool.decide_claim(c1, approve=True, reason="", user=world.city).payout == D("40.00")
    c2 = pool.file_claim(filing, "100", world.bank_a, world.banker_a)
    # 100 × 40 % = 40, cap 50 − 40 already approved = 10
    assert pool.decide_claim(c2, approve=True, reason="", user=world.city).payout == D("10.00")


def test_bad_claims_change_nothing(world: World) -> None:
    pool.add_funds(world.programme, "100", world.city)
    loan = world.loan(world.local[0], amount="100")
    filing = accepted(world, loan, covered="90")
    before = counts()
    with pytest.raises(ProgrammeError, match="尚未违约"):
        pool.file_claim(filing, "10", world.bank_a, world.banker_a)
    defaulted(loan)
    with pytest.raises(ProgrammeError, match="超过"):
        pool.file_claim(filing, "90.01", world.bank_a, world.banker_a)
    with pytest.raises(ProgrammeError, match="本机构"):
        pool.file_claim(filing, "10", world.bank_b, world.banker_b)
    with pytest.raises(ProgrammeError, match="大于 0"):
        pool.file_claim(filing, "0", world.bank_a, world.banker_a)
    assert counts() == before
    claim = pool.file_claim(filing, "90", world.bank_a, world.banker_a, reference="C-1")
    with pytest.raises(ProgrammeError, match="业务编号"):
        pool.file_claim(filing, "1", world.bank_a, world.banker_a, reference="C-1")
    with pytest.raises(ProgrammeError, match="已批准"):
        pool.pay_claim(claim, world.city)
    with pytest.raises(ProgrammeError, match="超过"):  # nothing left to claim on the filing
        pool.file_claim(filing, "1", world.bank_a, world.banker_a)


def test_funds_beyond_fund_size_refused(world: World) -> None:
    pool.add_funds(world.programme, "999.99", world.city)
    with pytest.raises(ProgrammeError, match="规模"):
        pool.add_funds(world.programme, "0.02", world.city)
    assert pool.balance(world.programme) == D("999.99")


def test_ledger_is_append_only(world: World) -> None:
    entry = pool.add_funds(world.programme, "10", world.city)
    entry.amount = D("1000")
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(ValidationError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=D(1))
    with pytest.raises(ValidationError):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == D("10.00")


# -- subsidies, awards, relending -----------------------------------------------------------


def scheme(**fields: Any) -> SubsidyScheme:
    made = SubsidyScheme(valid_from=dt.date(2026, 1, 1), **fields)
    made.full_clean()
    made.save()
    return made


def test_interest_subsidy_period_and_cap(world: World) -> None:
    interest = scheme(
        name="贴息", kind="interest", base="amount", rate=D("1.5"), cap=D("2.00"), max_months=12
    )
    loan = world.loan(world.local[0], amount="100")
    # 100 × 1.5 % × 90/365 = 0.3698… → 0.37
    first = subsidies.propose(
        interest, loan, world.city, start=dt.date(2026, 3, 2), end=dt.date(2026, 5, 31)
    )
    assert first.amount == D("0.37") and first.base_amount == D("100.00")
    with pytest.raises(ProgrammeError, match="已经计算"):
        subsidies.propose(
            interest, loan, world.city, start=dt.date(2026, 3, 2), end=dt.date(2026, 5, 31)
        )
    # a whole year asked: clipped to 12 months from disbursement (2026-05-31 → 2027-03-02),
    # 275 days → 1.13, but the cap leaves 2.00 − 0.37 = 1.63; 1.13 fits
    second = subsidies.propose(
        interest, loan, world.city, start=dt.date(2026, 5, 31), end=dt.date(2027, 12, 31)
    )
    assert second.period_end == dt.date(2027, 3, 2) and second.amount == D("1.13")
    subsidies.decide(first, approve=True, reason="", user=world.city)
    subsidies.pay(first, world.city)
    assert Subsidy.objects.get(pk=first.pk).status == "paid"
    with pytest.raises(ProgrammeError, match="已核准"):
        subsidies.pay(second, world.city)


def test_fee_subsidy_and_eligibility(world: World) -> None:
    fee = scheme(
        name="担保费补贴",
        kind="guarantee_fee",
        financing_kind="guarantee",
        base="paid",
        rate=D("50"),
        eligible_tiers=["A"],
    )
    guarantee = world.loan(world.local[0], kind="guarantee", amount="200")
    made = subsidies.propose(
        fee, guarantee, world.city, start=dt.date(2026, 3, 2), end=dt.date(2026, 4, 1), paid="3"
    )
    assert made.amount == D("1.50")
    before = counts()
    with pytest.raises(ProgrammeError, match="档次"):
        subsidies.propose(
            fee,
            world.loan(world.local[1], kind="guarantee", tier="B"),
            world.city,
            start=dt.date(2026, 3, 2),
            end=dt.date(2026, 4, 1),
            paid="3",
        )
    with pytest.raises(ProgrammeError, match="只适用"):
        subsidies.propose(fee, world.loan(world.local[1]), world.city, paid="3")
    assert counts() == before


def test_first_loan_award_detected_once(world: World) -> None:
    scheme(name="首贷奖", kind="award", base="fixed", fixed_amount=D("5"))
    first = world.loan(world.local[0], disbursed=DISBURSED)
    world.loan(world.local[0], world.bank_b, disbursed=DISBURSED + dt.timedelta(days=5))
    other = world.loan(world.local[1], disbursed=DISBURSED + dt.timedelta(days=1))
    world.loan(world.local[2], kind="investment")  # not a loan: the loan award ignores it
    made = subsidies.propose_awards(world.city, on=TODAY)
    assert sorted(s.financing_id for s in made) == sorted([first.pk, other.pk])
    assert all(s.amount == D("5.00") for s in made)
    assert subsidies.propose_awards(world.city, on=TODAY) == []


def test_relending_flag(world: World) -> None:
    loan = world.loan(world.local[0], term=12)
    short = world.loan(world.local[1], term=6)
    Qualification.objects.create(enterprise=world.local[0], kind="sme", valid_from=2025)
    assert len(relending.verdict(loan).reasons) == 1  # only the flexible use is missing
    pool.file_loan(world.programme, loan, world.bank_a, world.banker_a, flexible_use=True, on=TODAY)
    assert relending.verdict(loan).eligible
    assert not relending.verdict(short).eligible
    assert len(relending.verdict(short).reasons) == 3


# -- pages and access -----------------------------------------------------------------------


def test_pages_are_scoped(world: World) -> None:
    mine = world.loan(world.local[0])
    theirs = world.loan(world.local[1], world.bank_b)
    f_mine = pool.file_loan(world.programme, mine, world.bank_a, world.banker_a, on=TODAY)
    f_theirs = pool.file_loan(world.programme, theirs, world.bank_b, world.banker_b, on=TODAY)
    bank = Client()
    bank.force_login(world.banker_a)
    page = bank.get(reverse("programmes:fin_filings"))
    assert page.status_code == 200
    assert world.local[0].name in page.content.decode()
    assert world.local[1].name not in page.content.decode()
    assert bank.get(reverse("programmes:gov_filings")).status_code == 403
    city = Client()
    city.force_login(world.city)
    assert world.local[1].name in city.get(reverse("programmes:gov_filings")).content.decode()
    away = Client()
    away.force_login(world.away_city)
    assert world.local[1].name not in away.get(reverse("programmes:gov_filings")).content.decode()
    # a city outside the loan's division may not check it; nothing changes
    refused = away.post(
        reverse("programmes:gov_filings"), {"filing": f_theirs.pk, "decision": "accept"}
    )
    assert refused.status_code == 403
    assert Filing.objects.get(pk=f_theirs.pk).status == "filed"
    done = city.post(reverse("programmes:gov_filings"), {"filing": f_mine.pk, "decision": "accept"})
    assert done.status_code == 302
    assert Filing.objects.get(pk=f_mine.pk).status == "accepted"
    # a bank cannot claim on another bank's filing through the form
    defaulted(theirs)
    response = bank.post(reverse("programmes:fin_claim_new"), {"filing": f_theirs.pk, "loss": "10"})
    assert response.status_code in (403, 404)
    assert Claim.objects.count() == 0


def test_every_page_answers(world: World) -> None:
    """Each page for the user it is meant for, with data in it."""
    pool.add_funds(world.programme, "100", world.city)
    loan = world.loan(world.local[0])
    filing = accepted(world, loan)
    defaulted(loan)
    pool.file_claim(filing, "50", world.bank_a, world.banker_a, reference="CL-9")
    scheme(name="首贷奖", kind="award", base="fixed", fixed_amount=D("5"))
    city = Client()
    city.force_login(world.city)
    for name, query in [
        ("gov_programmes", ""),
        ("gov_programme_form", ""),
        ("gov_programme_form", f"?pk={world.programme.pk}"),
        ("gov_ledger", f"?programme={world.programme.pk}"),
        ("gov_filings", ""),
        ("gov_claims", ""),
        ("gov_subsidies", ""),
        ("gov_scheme_form", ""),
        ("gov_awards", ""),
    ]:
        page = city.get(reverse(f"programmes:{name}") + query)
        assert page.status_code == 200, name
    assert "20.00" in city.get(reverse("programmes:gov_claims")).content.decode()  # 50 × 40 %
    xlsx = city.get(reverse("programmes:gov_relending_xlsx"))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd")
    assert city.post(reverse("programmes:gov_awards"), {"detect": "1"}).status_code == 302
    assert Subsidy.objects.filter(financing=loan, amount=D("5.00")).exists()
    bank = Client()
    bank.force_login(world.banker_a)
    for name, query in [
        ("fin_filings", ""),
        ("fin_claims", ""),
        ("fin_filing_new", ""),
        ("fin_claim_new", f"?filing={filing.pk}"),
    ]:
        assert bank.get(reverse(f"programmes:{name}") + query).status_code == 200, name
    assert bank.get(reverse("programmes:gov_awards")).status_code == 403


@pytest.fixture
def demo_loop(db: Any, tmp_path: Path) -> dict[str, Any]:
    """The demo's financing loop (ops/demo.py) after a scored province of 60 enterprises:
    the banks' products, the applications and the programme filing their loans."""
    admin = get_user_model().objects.create_superuser("root", "root@example.invalid", "pw")
    run = scored_province(tmp_path / "files", 60, 3, admin)
    said: list[str] = []
    _financing_loop(run, "root", said.append)
    return {"admin": admin, "run": run, "said": said}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_with_data_show_words_not_codes(demo_loop: dict[str, Any], language: str) -> None:
    """The page walk's reading (test_page_walk) over these pages filled with the demo's loop."""
    made = Programme.objects.get(name=demo.NAME)
    codes = bare_codes()
    regions = {
        code: name if language.startswith("zh") else english_name(name)
        for code, name in Region.objects.values_list("code", "name")
    }
    city, bank = Client(), Client()
    city.force_login(user("chengdu", Role.GOVERNMENT, region=made.region))
    bank.force_login(banker(made.institutions.order_by("pk")[0]))
    pages = [
        (city, "gov_programmes", ""),
        (city, "gov_ledger", f"?programme={made.pk}"),
        (city, "gov_filings", ""),
        (city, "gov_claims", ""),
        (city, "gov_subsidies", ""),
        (city, "gov_awards", ""),
        (city, "gov_programme_form", f"?pk={made.pk}"),
        (bank, "fin_filings", ""),
        (bank, "fin_claims", ""),
        (bank, "fin_filing_new", ""),
    ]
    found = {}
    with translation.override(language):
        for client, name, query in pages:
            page = client.get(reverse(f"programmes:{name}") + query)
            assert page.status_code == 200, name
            text = _Text()
            text.feed(page.content.decode())
            problems = problems_in(text.nodes, codes, regions, language != "en")
            if problems:
                found[name] = problems
    assert not found, found


def test_programme_form_checks_shares(world: World) -> None:
    city = Client()
    city.force_login(world.city)
    data = {
        "name": "新资金池",
        "region": world.programme.region_id,
        "fund_size": "500",
        "institutions": [world.bank_a.pk],
        "bank_share": "30",
        "pool_share": "30",
        "guarantor_share": "40",
        "filing_days": "30",
        "valid_from": "2026-01-01",
    }
    page = city.post(reverse("programmes:gov_programme_form"), data)
    assert page.status_code == 200 and "35%" in page.content.decode()
    assert not Programme.objects.filter(name="新资金池").exists()
    data.update(pool_share="40", guarantor_share="30")
    assert city.post(reverse("programmes:gov_programme_form"), data).status_code == 302
    made = Programme.objects.get(name="新资金池")
    assert list(made.institutions.all()) == [world.bank_a]
    # Mianyang may not set up a pool for Chengdu
    away = Client()
    away.force_login(world.away_city)
    data["name"] = "越权"
    assert away.post(reverse("programmes:gov_programme_form"), data).status_code == 200
    assert not Programme.objects.filter(name="越权").exists()


def test_demo_builds_nothing_without_the_lending_demo_loans(world: World) -> None:
    """The programme files the loans the lending demo disbursed; it makes none of its own."""
    world.loan(world.local[0])  # a running loan, but not from a demo bank
    assert demo.build(world.admin, today=TODAY) is None
    assert not Programme.objects.filter(name=demo.NAME).exists()
    assert Financing.objects.count() == 1


def _story_counts() -> dict[str, int]:
    models = [
        Application,
        ApplicationEvent,
        Financing,
        Programme,
        Filing,
        Claim,
        LedgerEntry,
        SubsidyScheme,
        Subsidy,
        Message,
        AuditEntry,
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_demo_tells_one_story_from_application_to_compensation(demo_loop: dict[str, Any]) -> None:
    """Application → loan → filed → checked → default → claim paid → 已代偿, and a subsidy and
    an award on a loan still running; all on the lending demo's own loans. Hand-computed from
    lending/demo.py: application k asks 100 + 15k and is granted 80 + 15k 万元, k even at
    the provincial bank, odd at the Chengdu branch; the running loans are k = 7, 11, 12."""
    made = Programme.objects.get(name=demo.NAME)
    assert made.region_id == "510100"
    assert {b.name for b in made.institutions.all()} == set(BANKS)
    # every filed loan is a loan the lending workflow disbursed from an application
    filings = {f.financing.amount: f for f in Filing.objects.filter(programme=made)}
    assert set(filings) == {D("185.00"), D("245.00"), D("260.00")}
    for filing in filings.values():
        application = Application.objects.get(financing=filing.financing)
        assert application.events.filter(to_status=S.DISBURSED).count() == 1
        assert application.region_code.startswith("5101")
        assert filing.institution_id == application.institution_id
    kept, defaulted, waiting = (filings[D(v)] for v in ("185.00", "245.00", "260.00"))
    assert (kept.status, defaulted.status, waiting.status) == ("accepted", "closed", "filed")
    assert {kept.institution.name, waiting.institution.name} == set(BANKS)
    # the default: the bank marked it (overdue, then defaulted), the pool paid 245 × 40 % = 98
    claim = Claim.objects.get()
    assert claim.filing == defaulted and claim.status == "paid"
    assert (claim.loss, claim.payout) == (D("245.00"), D("98.00"))
    compensated = Application.objects.get(status=S.COMPENSATED)
    assert compensated.financing == defaulted.financing
    assert compensated.financing.status == Financing.Status.DEFAULTED
    assert list(compensated.events.values_list("to_status", flat=True))[-4:] == [
        S.DISBURSED,
        S.OVERDUE,
        S.DEFAULTED,
        S.COMPENSATED,
    ]
    # the ledger: 2000 put in, 98 paid out; exposure only the accepted loan still running
    figures = pool.summary(made)
    assert (figures["funds_in"], figures["paid_out"], figures["balance"]) == (
        D("2000.00"),
        D("98.00"),
        D("1902.00"),
    )
    assert figures["balance"] == figures["funds_in"] - figures["paid_out"]
    assert figures["reconciled"] == 1 and figures["exposure"] == D("185.00")
    # the running loan: 185 × 1.5 % × 90/365 = 0.684… → 0.68 interest subsidy; 5.00 award
    assert Subsidy.objects.get(scheme__kind="interest", status="paid").amount == D("0.68")
    award = Subsidy.objects.get(scheme__kind="award", status="paid")
    assert award.financing == kept.financing and award.amount == D("5.00")
    assert Subsidy.objects.get(scheme__kind="award", status="proposed").financing == (
        waiting.financing
    )
    # the funnel shows the compensation (and its default, with the lending demo's own)
    _rows, total = funnel.funnel(demo_loop["run"], "bank", funnel.Viewer(""))
    assert (total["disbursed"], total["defaulted"], total["compensated"]) == (6, 2, 1)
    # …and so does the bank's application list
    bank = Client()
    bank.force_login(banker(compensated.institution))
    listed = bank.get(reverse("lending:bank_list")).content.decode()
    assert "已代偿" in listed and compensated.enterprise.name in listed
    # the city's loan balance: the running loans 185 + 215 (overdue) + 260, not the repaid
    # 200, the defaulted 230 or the compensated 245
    target = Target.objects.create(
        division_id="510100",
        year=2027,
        enterprises_scored=1,
        loan_volume=D("1"),
        direct_financing=D("1"),
    )
    assert progress.progress(target, demo_loop["run"]).loans_outstanding == D("660.00")


def test_demo_twice_is_the_demo_once(demo_loop: dict[str, Any]) -> None:
    before = _story_counts()
    assert before["Filing"] == 3 and before["Claim"] == 1
    said: list[str] = []
    _financing_loop(demo_loop["run"], "root", said.append)
    assert _story_counts() == before
    assert said == [f"risk-compensation programme: {demo.NAME}"]


def test_eligible_products(world: World) -> None:
    def offering(code: str) -> Offering:
        made = Offering(
            code=code,
            name=f"产品{code}",
            kind="loan",
            institution=world.bank_a,
            valid_from=dt.date(2026, 1, 1),
        )
        made.save()
        return made

    shelf, other = offering("p1"), offering("p2")
    world.programme.products.set([shelf])
    on_shelf, off_shelf = world.loan(world.local[0]), world.loan(world.local[1])
    Application.objects.filter(financing=on_shelf).update(offering=shelf)
    Application.objects.filter(financing=off_shelf).update(offering=other)
    on_shelf, off_shelf = (Financing.objects.get(pk=f.pk) for f in (on_shelf, off_shelf))
    pool.file_loan(world.programme, on_shelf, world.bank_a, world.banker_a, on=TODAY)
    with pytest.raises(ProgrammeError, match="适用产品"):
        pool.file_loan(world.programme, off_shelf, world.bank_a, world.banker_a, on=TODAY)


def test_subsidy_is_computed_for_a_financing_found_by_name_within_the_division(
    world: World,
) -> None:
    """The compute form finds financings by enterprise name (never a record number to type),
    only in the user's division; a financing elsewhere is not a valid choice."""
    interest = scheme(name="贴息", kind="interest", base="amount", rate=D("1.5"))
    local = world.loan(world.local[0], amount="100")
    away = world.loan(world.away, amount="100")
    city = Client()
    city.force_login(world.city)
    options = city.get(reverse("programmes:gov_financing_options"), {"q": "成都企业0"}).json()
    assert [o["value"] for o in options["results"]] == [local.pk]
    label = options["results"][0]["label"]
    assert label.startswith("成都企业0 · 甲银行 · 科创积分贷 · 100.00 万元")
    assert city.get(reverse("programmes:gov_financing_options"), {"q": "绵阳"}).json() == {
        "results": []
    }
    form = {"compute": "1", "scheme": interest.pk, "start": "2026-03-02", "end": "2026-05-31"}
    refused = city.post(reverse("programmes:gov_subsidies"), {**form, "financing": away.pk})
    assert refused.status_code == 200 and not Subsidy.objects.exists()
    done = city.post(reverse("programmes:gov_subsidies"), {**form, "financing": local.pk})
    assert done.status_code == 302
    # 100 × 1.5 % × 90/365 = 0.369… → 0.37
    assert Subsidy.objects.get(financing=local).amount == D("0.37")
