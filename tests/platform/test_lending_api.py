"""Financing applications in the institution API: a bank lists and moves only its own
applications, a move is idempotent by the institution's reference (same request → same
answer, another request → 409), refused moves change nothing, disbursement creates one
financing record."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from innopoints.accounts.models import Profile, Role
from innopoints.api import tokens
from innopoints.applications.models import Financing, Offering
from innopoints.lending import workflow
from innopoints.lending.models import ApiReceipt, Application
from innopoints.registry.models import Enterprise, Institution, Region
from tests.conftest import codes

API = "/api/v1"
S = Application.Status


def _user(name: str, role: str, **bound: Any) -> Any:
    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", "pw-" + name)
    Profile.objects.create(user=user, role=role, **bound)
    return user


@pytest.fixture
def w(db: Any) -> dict[str, Any]:
    cache.clear()  # rate-limit counters
    region = Region.objects.get(code="510107")
    (code,) = codes(1)
    ent = Enterprise.objects.create(credit_code=code, name="甲科技有限公司", region=region)
    bank = Institution.objects.create(name="测试银行", kind="bank")
    rival = Institution.objects.create(name="另一家银行", kind="bank")
    loan = Offering.objects.create(
        code="loan",
        name="科创积分贷",
        kind="loan",
        institution=bank,
        valid_from=dt.date(2025, 1, 1),
    )
    owner = _user("owner", Role.ENTERPRISE, enterprise=ent)
    banker = _user("banker", Role.INSTITUTION, institution=bank)
    rival_user = _user("rival", Role.INSTITUTION, institution=rival)
    _, key = tokens.issue(bank, "信贷系统", banker)
    _, rival_key = tokens.issue(rival, "对方系统", rival_user)
    app = workflow.submit(ent, loan, user=owner, amount_requested=Decimal("200"))
    return {"app": app, "key": key, "rival_key": rival_key, "ent": ent, "bank": bank}


def _client(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


def _act(client: Client, pk: int, body: dict[str, Any]) -> Any:
    return client.post(
        f"{API}/applications/{pk}/actions", json.dumps(body), content_type="application/json"
    )


def test_lists_only_own_applications(w: dict[str, Any]) -> None:
    mine = _client(w["key"]).get(f"{API}/applications").json()
    assert mine["count"] == 1
    assert mine["items"][0]["credit_code"] == w["ent"].credit_code
    assert mine["items"][0]["status"] == "submitted"
    assert mine["items"][0]["amount_requested"] == "200.00"
    assert _client(w["key"]).get(f"{API}/applications", {"status": "approved"}).json()["count"] == 0
    assert _client(w["rival_key"]).get(f"{API}/applications").json()["count"] == 0
    pk = w["app"].pk
    assert _client(w["rival_key"]).get(f"{API}/applications/{pk}").status_code == 404
    assert _client(w["key"]).get(f"{API}/applications/{pk}").status_code == 200
    assert Client().get(f"{API}/applications").status_code == 401


def test_another_bank_cannot_move_it(w: dict[str, Any]) -> None:
    pk = w["app"].pk
    refused = _act(_client(w["rival_key"]), pk, {"action": "accept", "reference": "R-1"})
    assert refused.status_code == 404
    w["app"].refresh_from_db()
    assert w["app"].status == S.SUBMITTED
    assert not ApiReceipt.objects.exists()


def test_same_reference_same_request_same_answer(w: dict[str, Any]) -> None:
    client, pk = _client(w["key"]), w["app"].pk
    first = _act(client, pk, {"action": "accept", "reference": "CR-2026-001"})
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "accepted"
    events = w["app"].events.count()
    again = _act(client, pk, {"action": "accept", "reference": "CR-2026-001"})
    assert again.status_code == 200
    assert again.json() == first.json()
    assert w["app"].events.count() == events  # nothing done twice
    assert ApiReceipt.objects.count() == 1


def test_same_reference_other_request_is_409(w: dict[str, Any]) -> None:
    client, pk = _client(w["key"]), w["app"].pk
    assert _act(client, pk, {"action": "accept", "reference": "CR-7"}).status_code == 200
    conflict = _act(client, pk, {"action": "review", "reference": "CR-7"})
    assert conflict.status_code == 409
    assert "CR-7" in conflict.json()["message"]
    w["app"].refresh_from_db()
    assert w["app"].status == S.ACCEPTED
    # the other bank may use the same words as its own reference: references are per bank
    assert ApiReceipt.objects.filter(reference="CR-7").count() == 1


def test_illegal_move_is_409_and_keeps_no_reference(w: dict[str, Any]) -> None:
    client, pk = _client(w["key"]), w["app"].pk
    refused = _act(client, pk, {"action": "disburse", "reference": "D-1"})
    assert refused.status_code == 409
    assert not ApiReceipt.objects.exists()
    # the reference is still free for a legal move
    assert _act(client, pk, {"action": "accept", "reference": "D-1"}).status_code == 200


def test_missing_reason_is_422(w: dict[str, Any]) -> None:
    response = _act(_client(w["key"]), w["app"].pk, {"action": "reject", "reference": "X-1"})
    assert response.status_code == 422
    assert not ApiReceipt.objects.exists()


def test_withdrawn_authorisation_is_403(w: dict[str, Any]) -> None:
    grant = w["app"].authorisation
    grant.revoked_at = timezone.now()
    grant.save()
    response = _act(_client(w["key"]), w["app"].pk, {"action": "accept", "reference": "A-1"})
    assert response.status_code == 403
    assert "授权" in response.json()["message"]
    w["app"].refresh_from_db()
    assert w["app"].status == S.SUBMITTED


def test_full_path_to_disbursement_creates_one_financing(w: dict[str, Any]) -> None:
    client, pk = _client(w["key"]), w["app"].pk
    steps = [
        {"action": "accept", "reference": "P-1"},
        {"action": "request_info", "reference": "P-2", "note": "请补充近三月流水"},
    ]
    for body in steps:
        assert _act(client, pk, body).status_code == 200
    # the enterprise supplies the materials (its move, on its page)
    workflow.transition(w["app"], S.REVIEWING, user=w["app"].created_by, note="已上传")
    approve = {
        "action": "approve",
        "reference": "P-3",
        "amount": "180.00",
        "rate": "3.65",
        "term_months": 12,
    }
    assert _act(client, pk, approve).status_code == 200
    disbursed = _act(client, pk, {"action": "disburse", "reference": "P-4"})
    assert disbursed.status_code == 200
    body = disbursed.json()
    assert body["status"] == "disbursed"
    financing = Financing.objects.get()
    assert body["financing_id"] == financing.pk
    assert financing.amount == Decimal("180.00")
    assert financing.rate == Decimal("3.650")
    # replaying the disbursement answers the same and creates nothing
    assert _act(client, pk, {"action": "disburse", "reference": "P-4"}).json() == body
    assert Financing.objects.count() == 1
    # a second disbursement under a new reference is refused
    assert _act(client, pk, {"action": "disburse", "reference": "P-5"}).status_code == 409
    assert Financing.objects.count() == 1


def test_bad_input_is_422(w: dict[str, Any]) -> None:
    client, pk = _client(w["key"]), w["app"].pk
    for body in (
        {"action": "fly", "reference": "B-1"},
        {"action": "accept"},
        {"action": "accept", "reference": ""},
        {"action": "approve", "reference": "B-2", "amount": "-5"},
    ):
        assert _act(client, pk, body).status_code == 422, body
    assert not ApiReceipt.objects.exists()
