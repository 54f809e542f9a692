"""The data exchange for source departments (/api/v1/exchange/batches): a data source's token
delivers JSON or CSV batches through the file import — stored with their provenance, refused
whole with row-level problems, idempotent by batch key, scoped to the source's own fields and
to source tokens, a revoked token refused at once."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from innopoints.api import tokens
from innopoints.api.models import ApiToken
from innopoints.collection.importing import ImportOutcome
from innopoints.collection.models import DataSource, FactValue, ImportBatch
from innopoints.registry.models import Institution
from tests.platform.conftest import csv_bytes, snapshot

URL = "/api/v1/exchange/batches"


@pytest.fixture
def tax_key(
    registered: ImportOutcome, source: Callable[[str], DataSource], user: Any
) -> tuple[ApiToken, str]:
    cache.clear()  # rate-limit counters of earlier tests
    return tokens.issue(source("tax"), "税务共享平台", user)


def _client(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


def _send(key: str, body: dict[str, Any]) -> Any:
    return _client(key).post(URL, json.dumps(body), content_type="application/json")


def _rows(codes: list[str], scale: float = 1) -> list[dict[str, Any]]:
    return [
        {"credit_code": code, "rd_expense": (i + 1) * 10 * scale, "revenue": 1000 + i}
        for i, code in enumerate(codes)
    ]


def test_good_json_batch_is_stored_with_provenance(
    tax_key: tuple[ApiToken, str], credit_codes: list[str]
) -> None:
    token, key = tax_key
    answer = _send(key, {"period": "2025", "batch_key": "tax-2025-1", "rows": _rows(credit_codes)})
    assert answer.status_code == 201, answer.content
    receipt = answer.json()
    assert receipt["status"] == "imported" and not receipt["replayed"]
    assert (receipt["rows"], receipt["values"], receipt["findings"]) == (60, 120, 0)
    assert "problems" not in receipt
    assert (receipt["source"], receipt["period"], receipt["batch_key"]) == (
        "tax",
        "2025",
        "tax-2025-1",
    )
    batch = ImportBatch.objects.get(pk=receipt["batch_id"])
    assert (batch.token, batch.batch_key, batch.source.code) == (token, "tax-2025-1", "tax")
    fact = FactValue.objects.get(enterprise__credit_code=credit_codes[2], field_code="rd_expense")
    assert (fact.value, fact.source.code, fact.period, fact.version) == (30.0, "tax", "2025", 1)
    assert fact.batch == batch and fact.batch.token == token and fact.recorded_at is not None


def test_good_csv_batch(tax_key: tuple[ApiToken, str], credit_codes: list[str]) -> None:
    token, key = tax_key
    body = csv_bytes(["统一社会信用代码", "研发费用"], [[c, 5] for c in credit_codes[:10]])
    answer = _client(key).post(f"{URL}?period=2025&batch_key=csv-1", body, content_type="text/csv")
    assert answer.status_code == 201, answer.content
    assert (answer.json()["rows"], answer.json()["values"]) == (10, 10)
    assert FactValue.objects.filter(batch__batch_key="csv-1", batch__token=token).count() == 10


def test_institution_token_is_refused_and_source_token_cannot_read(
    tax_key: tuple[ApiToken, str], credit_codes: list[str], user: Any
) -> None:
    bank = Institution.objects.create(name="测试银行", kind="bank")
    _, bank_key = tokens.issue(bank, "信贷系统", user)
    before = snapshot()
    answer = _send(bank_key, {"period": "2025", "batch_key": "b-1", "rows": _rows(credit_codes)})
    assert answer.status_code == 403
    assert snapshot() == before
    assert _client(tax_key[1]).get("/api/v1/lists").status_code == 403


def test_field_not_owned_by_the_source_is_named(
    tax_key: tuple[ApiToken, str], credit_codes: list[str]
) -> None:
    rows = [{"credit_code": c, "rd_expense": 1, "standards": 2} for c in credit_codes]
    before = snapshot()
    answer = _send(tax_key[1], {"period": "2025", "batch_key": "own-1", "rows": rows})
    assert answer.status_code == 422
    receipt = answer.json()
    assert receipt["status"] == "refused"
    assert [p["column"] for p in receipt["problems"]] == ["C “standards”"]
    assert "不提供" in receipt["problems"][0]["message"]
    assert snapshot() == before


def test_same_key_same_content_answers_the_first_receipt(
    tax_key: tuple[ApiToken, str], credit_codes: list[str]
) -> None:
    body = {"period": "2025", "batch_key": "again-1", "rows": _rows(credit_codes)}
    first = _send(tax_key[1], body)
    assert first.status_code == 201
    before = snapshot()
    second = _send(tax_key[1], body)
    assert second.status_code == 200
    assert second.json() == {**first.json(), "replayed": True}
    assert snapshot() == before


def test_same_key_other_content_is_a_conflict(
    tax_key: tuple[ApiToken, str], credit_codes: list[str]
) -> None:
    assert (
        _send(
            tax_key[1], {"period": "2025", "batch_key": "k-1", "rows": _rows(credit_codes)}
        ).status_code
        == 201
    )
    before = snapshot()
    other = _send(
        tax_key[1], {"period": "2025", "batch_key": "k-1", "rows": _rows(credit_codes, 2)}
    )
    assert other.status_code == 409
    assert "k-1" in other.json()["message"]
    assert snapshot() == before


def test_malformed_row_refuses_the_whole_batch(
    tax_key: tuple[ApiToken, str], credit_codes: list[str]
) -> None:
    rows = _rows(credit_codes)
    rows[41]["rd_expense"] = "12万"
    before = snapshot()
    answer = _send(tax_key[1], {"period": "2025", "batch_key": "bad-1", "rows": rows})
    assert answer.status_code == 422
    problems = answer.json()["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [(42, "B “rd_expense”")]
    assert "12万" in problems[0]["message"]
    assert snapshot() == before
    # the key was not used: the corrected batch goes through under it
    rows[41]["rd_expense"] = 12
    fixed = _send(tax_key[1], {"period": "2025", "batch_key": "bad-1", "rows": rows})
    assert fixed.status_code == 201


def test_revoked_token_is_refused_at_once(
    tax_key: tuple[ApiToken, str], credit_codes: list[str]
) -> None:
    token, key = tax_key
    ok = _send(key, {"period": "2025", "batch_key": "r-1", "rows": _rows(credit_codes[:5])})
    assert ok.status_code == 201
    tokens.revoke(token)
    before = snapshot()
    answer = _send(key, {"period": "2025", "batch_key": "r-2", "rows": _rows(credit_codes[5:])})
    assert answer.status_code == 401
    assert snapshot() == before


def test_bad_requests(tax_key: tuple[ApiToken, str], credit_codes: list[str]) -> None:
    client = _client(tax_key[1])
    assert client.post(URL, "x", content_type="text/plain").status_code == 415
    assert client.post(URL, "{", content_type="application/json").status_code == 400
    missing = _send(tax_key[1], {"period": "2025", "rows": []})
    assert missing.status_code == 422 and "batch_key" in missing.json()["errors"]
    no_key = client.post(f"{URL}?period=2025", b"credit_code\n", content_type="text/csv")
    assert no_key.status_code == 422 and "batch_key" in no_key.json()["errors"]
    future = _send(tax_key[1], {"period": "2999", "batch_key": "f-1", "rows": _rows(credit_codes)})
    assert future.status_code == 422 and future.json()["problems"][0]["row"] is None


def test_body_beyond_the_upload_limit(tax_key: tuple[ApiToken, str], settings: Any) -> None:
    settings.INNOPOINTS_MAX_IMPORT_BYTES = 1000
    body = b"credit_code,rd_expense\n" + b"x,1\n" * 400
    answer = _client(tax_key[1]).post(
        f"{URL}?period=2025&batch_key=big-1", body, content_type="text/csv"
    )
    assert answer.status_code == 413


def test_admin_issues_a_source_token_shown_once(admin_user: Any, source: Any) -> None:
    client = Client()
    client.force_login(admin_user)
    page = client.post(
        "/admin/api/apitoken/add/",
        {"source": source("sti").pk, "name": "科技厅共享", "expires_at_0": "", "expires_at_1": ""},
    )
    assert page.status_code == 200, page.content
    made = ApiToken.objects.get(name="科技厅共享")
    assert made.source == source("sti") and made.institution is None
    assert f"{made.prefix}." in page.content.decode()
    both = client.post(
        "/admin/api/apitoken/add/",
        {"name": "无归属", "expires_at_0": "", "expires_at_1": ""},
    )
    assert both.status_code == 200 and "二者选一" in both.content.decode()
    assert not ApiToken.objects.filter(name="无归属").exists()
    assert get_user_model().objects.filter(pk=made.created_by_id).exists()
