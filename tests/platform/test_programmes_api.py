"""The API's filings and claims: idempotent by the institution's own reference, own records
only, the pages' rules (a bad request changes nothing)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from innopoints.api import tokens
from innopoints.audit.models import AuditEntry
from innopoints.programmes import pool
from innopoints.programmes.models import Claim, Filing
from tests.platform.programmes_world import World, make_world


@pytest.fixture
def world(db: Any) -> World:
    made = make_world()
    _token, key_a = tokens.issue(made.bank_a, "信贷系统", made.banker_a)
    _token, key_b = tokens.issue(made.bank_b, "对方系统", made.banker_b)
    made.extra.update(a=key_a, b=key_b)
    return made


def _api(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


def _post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def fresh_loan(world: World, i: int = 0, bank: Any = None) -> Any:
    return world.loan(world.local[i], bank, disbursed=timezone.localdate())


def test_file_a_loan_idempotently(world: World) -> None:
    api = _api(world.extra["a"])
    loan = fresh_loan(world)
    body = {
        "programme_id": world.programme.pk,
        "financing_id": loan.pk,
        "covered_amount": "80.5",
        "reference": "BA-2026-001",
    }
    first = _post(api, "/api/v1/programmes/filings", body)
    assert first.status_code == 201, first.content
    made = first.json()
    assert made["covered_amount"] == "80.50" and made["status"] == "filed"
    again = _post(api, "/api/v1/programmes/filings", body)
    assert again.status_code == 200 and again.json()["id"] == made["id"]
    assert Filing.objects.count() == 1
    other = fresh_loan(world, 1)
    clash = _post(api, "/api/v1/programmes/filings", {**body, "financing_id": other.pk})
    assert clash.status_code == 409 and Filing.objects.count() == 1
    listed = api.get("/api/v1/programmes/filings").json()
    assert listed["count"] == 1 and listed["items"][0]["reference"] == "BA-2026-001"
    assert AuditEntry.objects.filter(summary__contains="贷款备案").exists()
    # the other bank sees none of it, and its reference space is its own
    rival = _api(world.extra["b"])
    assert rival.get("/api/v1/programmes/filings").json()["count"] == 0
    theirs = fresh_loan(world, 2, world.bank_b)
    same_ref = _post(
        rival,
        "/api/v1/programmes/filings",
        {"programme_id": world.programme.pk, "financing_id": theirs.pk, "reference": "BA-2026-001"},
    )
    assert same_ref.status_code == 201


def test_bad_filings_change_nothing(world: World) -> None:
    api = _api(world.extra["a"])
    theirs = fresh_loan(world, 0, world.bank_b)
    mine = fresh_loan(world, 1)
    base = {"programme_id": world.programme.pk, "reference": "X-1"}
    assert (
        _post(api, "/api/v1/programmes/filings", {**base, "financing_id": theirs.pk}).status_code
        == 404
    )
    too_much = _post(
        api,
        "/api/v1/programmes/filings",
        {**base, "financing_id": mine.pk, "covered_amount": "101"},
    )
    assert too_much.status_code == 422 and "贷款金额" in too_much.json()["message"]
    bad_amount = _post(
        api, "/api/v1/programmes/filings", {**base, "financing_id": mine.pk, "covered_amount": "-1"}
    )
    assert bad_amount.status_code == 422
    missing_ref = _post(
        api,
        "/api/v1/programmes/filings",
        {"programme_id": world.programme.pk, "financing_id": mine.pk},
    )
    assert missing_ref.status_code == 422
    assert Filing.objects.count() == 0


def test_claim_idempotently(world: World) -> None:
    api = _api(world.extra["a"])
    pool.add_funds(world.programme, "100", world.city)
    loan = fresh_loan(world)
    filing = pool.file_loan(world.programme, loan, world.bank_a, world.banker_a)
    body = {"filing_id": filing.pk, "loss": "60", "reference": "CL-1"}
    not_yet = _post(api, "/api/v1/programmes/claims", body)
    assert not_yet.status_code == 422 and Claim.objects.count() == 0  # not checked yet
    pool.check_filing(filing, accept=True, reason="", user=world.city)
    loan.status = "defaulted"
    loan.save()
    above = _post(api, "/api/v1/programmes/claims", {**body, "loss": "100.01"})
    assert above.status_code == 422 and Claim.objects.count() == 0
    made = _post(api, "/api/v1/programmes/claims", body)
    assert made.status_code == 201 and made.json()["loss"] == "60.00"
    assert _post(api, "/api/v1/programmes/claims", body).json()["id"] == made.json()["id"]
    assert _post(api, "/api/v1/programmes/claims", {**body, "loss": "61"}).status_code == 409
    rival = _api(world.extra["b"])
    stolen = _post(rival, "/api/v1/programmes/claims", {**body, "reference": "R-1"})
    assert stolen.status_code == 404
    assert Claim.objects.count() == 1
    claim = Claim.objects.get()
    pool.decide_claim(claim, approve=True, reason="", user=world.city)
    pool.pay_claim(claim, world.city)
    listed = api.get("/api/v1/programmes/claims").json()["items"]
    assert listed[0]["status"] == "paid" and listed[0]["payout"] == "24.00"  # 60 × 40 %
    assert pool.balance(world.programme) == Decimal("76.00")
    assert [p["name"] for p in api.get("/api/v1/programmes").json()] == [world.programme.name]
