"""The institution API (/api/v1/): token lifecycle, the same access rules as the 金融端 pages,
validation, rate limits, audit entries, and a schemathesis run over the OpenAPI description
(no generated request may produce a 5xx)."""

from __future__ import annotations

import datetime as dt
import json
import re
import typing
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic import ValidationError as PydanticValidationError

from innopoints.accounts.models import Profile, Role
from innopoints.analysis.models import Leaderboard
from innopoints.api import schemas, tokens
from innopoints.api.models import ApiToken
from innopoints.applications.models import Dispatch, Financing, Message
from innopoints.audit.models import AuditEntry
from innopoints.collection.models import Authorisation
from innopoints.registry.models import Enterprise, Institution
from innopoints.scoring.models import Result
from tests.platform.conftest import published_board, scored_province, shared

API = "/api/v1"


def _user(name: str, role: str, **bound: Any) -> Any:
    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", "pw-" + name)
    Profile.objects.create(user=user, role=role, **bound)
    return user


@pytest.fixture(scope="module")
def world_once(
    module_db: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Built once for the module's tests (conftest.module_db)."""
    with django_db_blocker.unblock():
        return _world(tmp_path_factory.mktemp("world"))


@pytest.fixture
def world(db: Any, world_once: dict[str, Any]) -> dict[str, Any]:
    cache.clear()  # rate-limit counters of earlier tests
    return shared(world_once)


def _world(tmp_path: Path) -> dict[str, Any]:
    admin = get_user_model().objects.create_superuser("root", "r@example.invalid", "pw")
    run = scored_province(tmp_path / "files", 120, 7, admin)
    published = published_board(run, admin, "全省前 30%", kind="overall", share_from=0, share_to=30)
    draft = Leaderboard.objects.create(run=run, title="草稿", kind="overall", top_n=10)
    ranked = Result.objects.filter(run=run, vetoed=False).select_related("enterprise")
    mine, other = (r.enterprise for r in ranked.order_by("rank")[:2])
    bank = Institution.objects.create(name="测试银行", kind="bank")
    rival = Institution.objects.create(name="另一家银行", kind="bank")
    dispatch = Dispatch.objects.create(board=published, institution=bank, sent_by=admin)
    rival_dispatch = Dispatch.objects.create(board=published, institution=rival, sent_by=admin)
    draft_dispatch = Dispatch.objects.create(board=draft, institution=bank, sent_by=admin)
    grant = Authorisation.objects.create(
        enterprise=mine, institution=bank, valid_from=dt.date(2025, 1, 1)
    )
    revoked = Authorisation.objects.create(
        enterprise=other, institution=bank, valid_from=dt.date(2025, 1, 1)
    )
    revoked.revoked_at = timezone.now()
    revoked.save()
    banker = _user("banker", Role.INSTITUTION, institution=bank)
    rival_user = _user("rival", Role.INSTITUTION, institution=rival)
    token, value = tokens.issue(bank, "信贷系统", banker, expires_at=tokens.default_expiry())
    rival_token, rival_value = tokens.issue(rival, "对方系统", rival_user)
    return {
        "admin": admin,
        "run": run,
        "published": published,
        "mine": mine,
        "other": other,
        "bank": bank,
        "rival": rival,
        "dispatch": dispatch,
        "rival_dispatch": rival_dispatch,
        "draft_dispatch": draft_dispatch,
        "grant": grant,
        "banker": banker,
        "rival_user": rival_user,
        "token": token,
        "key": value,
        "rival_token": rival_token,
        "rival_key": rival_value,
    }


def _api(key: str | None) -> Client:
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    return Client(headers=headers)


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _patch(client: Client, url: str, body: Any) -> Any:
    return client.patch(url, json.dumps(body), content_type="application/json")


# -- tokens ---------------------------------------------------------------------------------


def test_token_lifecycle_in_the_institution_portal(world: dict[str, Any]) -> None:
    banker = _signed_in(world["banker"])
    page = banker.get(reverse("api_tokens:tokens"))
    assert page.status_code == 200 and world["token"].prefix in page.content.decode()
    assert reverse("api_tokens:tokens") in page.content.decode()  # in the portal menu
    made = banker.post(reverse("api_tokens:tokens"), {"name": "风控系统", "days": 30})
    assert made.status_code == 200 and made["Cache-Control"] == "no-store"
    match = re.search(r'<code id="token-value">([^<]+)</code>', made.content.decode())
    assert match is not None
    value = match.group(1)
    prefix, secret = value.split(".")
    token = ApiToken.objects.get(prefix=prefix)
    assert token.institution == world["bank"] and token.created_by == world["banker"]
    assert token.expires_at is not None and token.expires_at > timezone.now()
    # only a digest is stored: the secret is in no row and in no log entry
    assert secret not in json.dumps(list(ApiToken.objects.values_list("secret_hash", "prefix")))
    assert not any(
        secret in json.dumps(e.changes, ensure_ascii=False) + e.summary
        for e in AuditEntry.objects.all()
    )
    created = AuditEntry.objects.filter(action="create", object_type="api.apitoken").latest("at")
    assert created.changes["secret_hash"] == [None, "***"]
    # the secret is shown once: the list does not show it again
    assert secret not in banker.get(reverse("api_tokens:tokens")).content.decode()

    # use
    assert token.last_used_at is None
    assert _api(value).get(f"{API}/lists").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None

    # rotate: the old value fails at once, the new one works
    rotated = banker.post(reverse("api_tokens:rotate", args=[token.pk]))
    assert rotated.status_code == 200
    new_match = re.search(r'<code id="token-value">([^<]+)</code>', rotated.content.decode())
    assert new_match is not None
    new_value = new_match.group(1)
    assert _api(value).get(f"{API}/lists").status_code == 401
    assert _api(new_value).get(f"{API}/lists").status_code == 200
    new = ApiToken.objects.get(prefix=new_value.split(".")[0])
    token.refresh_from_db()
    assert token.revoked_at is not None and new.replaces == token and new.name == "风控系统"

    # another institution cannot touch this institution's tokens
    rival = _signed_in(world["rival_user"])
    assert rival.post(reverse("api_tokens:revoke", args=[new.pk])).status_code == 404
    assert rival.post(reverse("api_tokens:rotate", args=[new.pk])).status_code == 404
    assert str(new.prefix) not in rival.get(reverse("api_tokens:tokens")).content.decode()

    # revoke
    assert banker.post(reverse("api_tokens:revoke", args=[new.pk])).status_code == 200
    refused = _api(new_value).get(f"{API}/lists")
    assert refused.status_code == 401 and refused.json()["message"]
    assert refused["WWW-Authenticate"].startswith("Bearer")
    failed = AuditEntry.objects.filter(action="login_failed", object_id=str(new.pk)).latest("at")
    assert "revoked" in failed.summary and new.prefix in failed.summary
    # a government user or an anonymous visitor has no token page
    assert Client().get(reverse("api_tokens:tokens")).status_code == 302


def test_expired_wrong_and_malformed_tokens_fail(world: dict[str, Any]) -> None:
    key, token = world["key"], world["token"]
    assert _api(key).get(f"{API}/lists").status_code == 200
    prefix, secret = key.split(".")
    wrong = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for bad in (f"{prefix}.{wrong}", f"{prefix}.", prefix, "", "x" * 500, f"{prefix}.{secret}\x00"):
        assert _api(bad).get(f"{API}/lists").status_code == 401, bad
    assert Client().get(f"{API}/lists").status_code == 401  # no header
    basic = Client(headers={"Authorization": f"Basic {key}"}).get(f"{API}/lists")
    assert basic.status_code == 401
    assert AuditEntry.objects.filter(
        action="login_failed", object_id=str(token.pk), summary__contains="wrong secret"
    ).exists()
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    assert _api(key).get(f"{API}/lists").status_code == 401
    assert AuditEntry.objects.filter(summary__contains="expired", object_id=str(token.pk)).exists()


def test_admin_creates_rotates_and_revokes_tokens(world: dict[str, Any]) -> None:
    admin = _signed_in(world["admin"])
    add = admin.post(
        reverse("admin:api_apitoken_add"),
        {
            "institution": world["rival"].pk,
            "name": "总行接口",
            "expires_at_0": "",
            "expires_at_1": "",
        },
    )
    assert add.status_code == 200, add.content.decode()[-1500:]
    value = re.search(r'class="token-value">([^<]+)<', add.content.decode())
    assert value is not None
    made = ApiToken.objects.get(prefix=value.group(1).split(".")[0])
    assert made.institution == world["rival"] and made.created_by == world["admin"]
    assert _api(value.group(1)).get(f"{API}/lists").status_code == 200
    rotated = admin.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "rotate_tokens", "_selected_action": [made.pk]},
    )
    new_value = re.search(r'class="token-value">([^<]+)<', rotated.content.decode())
    assert new_value is not None
    assert _api(value.group(1)).get(f"{API}/lists").status_code == 401
    assert _api(new_value.group(1)).get(f"{API}/lists").status_code == 200
    new = ApiToken.objects.get(prefix=new_value.group(1).split(".")[0])
    admin.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [new.pk]},
    )
    assert _api(new_value.group(1)).get(f"{API}/lists").status_code == 401
    listing = admin.get(reverse("admin:api_apitoken_changelist")).content.decode()
    assert new.prefix in listing and new_value.group(1).split(".")[1] not in listing


# -- endpoints ------------------------------------------------------------------------------


def test_lists_show_names_tiers_bands_only(world: dict[str, Any]) -> None:
    client = _api(world["key"])
    index = client.get(f"{API}/lists")
    assert index.status_code == 200
    body = index.json()
    assert [item["id"] for item in body["items"]] == [world["dispatch"].pk]  # no draft, no rival's
    rows = client.get(f"{API}/lists/{world['dispatch'].pk}?page_size=5")
    assert rows.status_code == 200, rows.content
    page = rows.json()
    assert page["count"] > 5 and len(page["items"]) == 5 and page["list"]["title"] == "全省前 30%"
    assert all(set(item) == {"name", "tier", "band"} for item in page["items"])
    assert all(re.fullmatch(r"\d+–\d+", item["band"]) for item in page["items"])
    result = Result.objects.get(run=world["run"], enterprise=world["mine"])
    text = rows.content.decode()
    assert world["mine"].credit_code not in text and f"{result.total:.2f}" not in text
    second = client.get(f"{API}/lists/{world['dispatch'].pk}?page_size=5&page=2").json()
    assert second["items"] and second["items"][0] != page["items"][0]
    # another institution's list, a draft, an unknown number: 404
    assert client.get(f"{API}/lists/{world['rival_dispatch'].pk}").status_code == 404
    assert client.get(f"{API}/lists/{world['draft_dispatch'].pk}").status_code == 404
    assert client.get(f"{API}/lists/999999999").status_code == 404
    assert _api(world["rival_key"]).get(f"{API}/lists/{world['dispatch'].pk}").status_code == 404
    assert client.get(f"{API}/lists?page=0").status_code == 422
    assert client.get(f"{API}/lists?page_size=100000").status_code == 422
    # audited: the export names the institution and the token, no actor, the caller's address
    entry = AuditEntry.objects.filter(action="export", object_type="analysis.leaderboard").latest(
        "at"
    )
    assert entry.actor is None and entry.ip == "127.0.0.1"
    assert "测试银行" in entry.summary and world["token"].prefix in entry.summary
    assert AuditEntry.objects.filter(
        action="view", summary__contains="查看收到的推荐名单目录"
    ).exists()
    refused = AuditEntry.objects.filter(summary__contains="拒绝（404）").latest("at")
    assert "另一家银行" in refused.summary  # the rival's attempt is logged as its own


def test_enterprise_score_needs_an_active_authorisation(world: dict[str, Any]) -> None:
    client = _api(world["key"])
    mine, other = world["mine"], world["other"]
    listed = client.get(f"{API}/authorisations").json()
    assert [a["credit_code"] for a in listed["items"]] == [mine.credit_code]
    response = client.get(f"{API}/enterprises/{mine.credit_code}")
    assert response.status_code == 200, response.content
    body = response.json()
    result = Result.objects.get(run=world["run"], enterprise=mine)
    assert body["published"] and body["result"]["total"] == pytest.approx(result.total)
    assert body["result"]["tier"] == result.tier and body["scope"] == []
    full = len(body["breakdown"])
    assert full > 10
    entry = AuditEntry.objects.filter(action="view", enterprise=mine).latest("at")
    assert entry.actor is None and "测试银行" in entry.summary and "全部" in entry.summary
    # an enterprise that revoked: 403 (and the refusal is logged against it)
    refused = client.get(f"{API}/enterprises/{other.credit_code}")
    assert refused.status_code == 403 and "授权" in refused.json()["message"]
    assert AuditEntry.objects.filter(enterprise=other, summary__contains="拒绝（403）").exists()
    # another institution: 403; an unknown code: 404; not a code: 422
    assert _api(world["rival_key"]).get(f"{API}/enterprises/{mine.credit_code}").status_code == 403
    unknown = "9" * 18
    assert not Enterprise.objects.filter(credit_code=unknown).exists()
    assert client.get(f"{API}/enterprises/{unknown}").status_code == 404
    assert client.get(f"{API}/enterprises/not-a-code").status_code == 422
    # the scope filters the breakdown
    grant = world["grant"]
    grant.scope = ["revenue"]
    grant.save()
    limited = client.get(f"{API}/enterprises/{mine.credit_code}").json()
    assert limited["scope"] == ["revenue"]
    assert 0 < len(limited["breakdown"]) < min(full, 10)
    assert AuditEntry.objects.filter(
        action="view", enterprise=mine, summary__contains="revenue"
    ).exists()
    # after revocation: 403
    grant.revoked_at = timezone.now()
    grant.save()
    assert client.get(f"{API}/enterprises/{mine.credit_code}").status_code == 403
    assert client.get(f"{API}/authorisations").json()["count"] == 0


def _application(world: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "credit_code": world["mine"].credit_code,
        "kind": "loan",
        "product": "天府科创贷",
        "applied_on": "2026-03-01",
        "amount_requested": "500",
        **changes,
    }


def test_financing_records_through_the_api(world: dict[str, Any]) -> None:
    client = _api(world["key"])
    created = _post(client, f"{API}/financings", _application(world))
    assert created.status_code == 201, created.content
    record = Financing.objects.get(pk=created.json()["id"])
    assert record.institution == world["bank"] and record.recorded_by == world["banker"]
    assert created.json()["amount_requested"] == "500.00" and created.json()["status"] == "applied"
    assert Message.objects.filter(enterprise=world["mine"], kind="financing").exists()
    entry = AuditEntry.objects.filter(action="create", summary__contains="接口").latest("at")
    assert entry.enterprise == world["mine"] and entry.actor is None
    assert world["token"].prefix in entry.summary and entry.changes["product"] == [
        None,
        "天府科创贷",
    ]

    url = f"{API}/financings/{record.pk}"
    outcome = {"status": "approved", "amount": 400, "rate": "3.65", "term_months": 12}
    outcome |= {"guarantee_share": 60, "decided_on": "2026-03-10"}
    updated = _patch(client, url, outcome)
    assert updated.status_code == 200, updated.content
    record.refresh_from_db()
    assert record.status == "approved" and record.amount == 400 and record.term_months == 12
    assert record.product == "天府科创贷"  # fields not sent stay
    assert record.history.count() == 2
    change = AuditEntry.objects.filter(action="update", summary__contains="接口").latest("at")
    assert change.changes["status"] == ["applied", "approved"]
    assert client.get(url).json()["rate"] == "3.650"
    assert client.get(f"{API}/financings").json()["count"] == 1

    # the rival institution cannot read or change it; nobody records for a non-authorising one
    rival = _api(world["rival_key"])
    assert _patch(rival, url, {"status": "repaid"}).status_code == 404
    assert rival.get(url).status_code == 404
    assert rival.get(f"{API}/financings").json()["count"] == 0
    other = _post(
        client, f"{API}/financings", _application(world, credit_code=world["other"].credit_code)
    )
    assert other.status_code == 403
    assert _post(rival, f"{API}/financings", _application(world)).status_code == 403
    unknown = _post(client, f"{API}/financings", _application(world, credit_code="9" * 18))
    assert unknown.status_code == 404
    # after the enterprise revokes, the bank still updates its own record (as in the portal)
    world["grant"].revoked_at = timezone.now()
    world["grant"].save()
    assert (
        _patch(client, url, {"status": "disbursed", "disbursed_on": "2026-03-20"}).status_code
        == 200
    )
    assert _post(client, f"{API}/financings", _application(world)).status_code == 403
    assert Financing.objects.count() == 1


def test_financing_validation_errors_are_clear(world: dict[str, Any]) -> None:
    client = _api(world["key"])
    url = f"{API}/financings"
    cases = [
        ({"status": "approved", "decided_on": "2026-03-10"}, "amount", "批准金额"),
        ({"status": "approved", "amount": "1"}, "decided_on", "审批日期"),
        ({"decided_on": "2026-02-01"}, "decided_on", "不能早于申请日期"),
        ({"guarantee_share": "150"}, "guarantee_share", "0 到 100"),
    ]
    for changes, field, words in cases:
        response = _post(client, url, _application(world, **changes))
        assert response.status_code == 422, (changes, response.content)
        body = response.json()
        assert field in body["errors"] and words in body["message"], body
    schema_errors = [
        ({"status": "granted"}, "status"),
        ({"applied_on": "yesterday"}, "applied_on"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "12345678901234"}, "amount"),
        ({"term_months": 40000}, "term_months"),
        ({"product": "x\x00y"}, "product"),
        ({"credit_code": "123"}, "credit_code"),
    ]
    for changes, field in schema_errors:
        response = _post(client, url, _application(world, **changes))
        assert response.status_code == 422, (changes, response.content)
        assert field in response.json()["errors"], response.json()
    missing = _post(client, url, {"credit_code": world["mine"].credit_code})
    assert missing.status_code == 422 and "applied_on" in missing.json()["errors"]
    broken = client.post(url, "{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["message"]
    assert Financing.objects.count() == 0

    record = _post(client, url, _application(world)).json()
    one = f"{url}/{record['id']}"
    refused = _patch(client, one, {"status": "approved"})
    assert refused.status_code == 422 and "amount" in refused.json()["errors"]
    assert _patch(client, one, {"status": None}).status_code == 422
    assert _patch(client, one, {"decided_on": "2020-01-01"}).status_code == 422
    assert Financing.objects.get(pk=record["id"]).status == "applied"


DECIMALS = ("amount_requested", "amount", "rate", "guarantee_share")


def _leaves(prop: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives of a property's schema, nested anyOf flattened."""
    if "anyOf" in prop:
        return [leaf for option in prop["anyOf"] for leaf in _leaves(option)]
    return [prop]


def test_openapi_states_decimals_and_nulls_exactly(world: dict[str, Any]) -> None:
    components = Client().get(f"{API}/openapi.json").json()["components"]["schemas"]
    for model in ("FinancingIn", "FinancingPatch"):
        properties = components[model]["properties"]
        for name in DECIMALS:
            if name not in properties:
                continue
            leaves = _leaves(properties[name])
            assert sorted(leaf["type"] for leaf in leaves) == ["null", "number", "string"]
            number = next(leaf for leaf in leaves if leaf["type"] == "number")
            assert number["minimum"] == 0 and number["maximum"] > 0
            pattern = next(leaf for leaf in leaves if leaf["type"] == "string")["pattern"]
            assert re.fullmatch(pattern, "12.5"), (name, pattern)
            for bad in ("abc", "1e3", "-1", " 1", "1.", "1.2345", "NaN", ""):
                assert not re.fullmatch(pattern, bad), (name, bad)
    client = _api(world["key"])
    url = f"{API}/financings"
    for name, bad in (("amount", "1e3"), ("rate", "1.2345"), ("guarantee_share", "-1")):
        response = _post(client, url, _application(world, **{name: bad}))
        assert response.status_code == 422 and name in response.json()["errors"], bad
    # PATCH: a field is declared nullable exactly when a null sent is accepted
    record = _post(client, url, _application(world, amount_requested="12.5")).json()
    one = f"{url}/{record['id']}"
    patch = components["FinancingPatch"]["properties"]
    nullable = {n for n, p in patch.items() if any(x.get("type") == "null" for x in _leaves(p))}
    assert {"status", "note"}.isdisjoint(nullable) and "amount" in nullable
    for name in patch:
        status = _patch(client, one, {name: None}).status_code
        assert status == (200 if name in nullable else 422), (name, status)
    assert _patch(client, one, {"amount": 3, "rate": "4.125"}).status_code == 200
    stored = Financing.objects.get(pk=record["id"])
    assert (stored.amount, stored.rate, stored.status) == (
        Decimal("3"),
        Decimal("4.125"),
        "applied",
    )


@hypothesis_settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_decimal_text_is_accepted_exactly_when_the_schema_allows_it(data: st.DataObject) -> None:
    # amount and rate: the request model takes a text exactly when it matches the published
    # pattern (the guarantee share's range is the model's check, tested above)
    name = data.draw(st.sampled_from(["amount", "rate"]))
    (_, text_schema) = _leaves(schemas.FinancingPatch.model_json_schema()["properties"][name])[:2]
    pattern = text_schema["pattern"]
    good = data.draw(st.from_regex(pattern, fullmatch=True))
    assert schemas.FinancingPatch.model_validate({name: good}).model_dump(exclude_unset=True)
    text = data.draw(st.text(alphabet="0123456789.-+eE ", max_size=15))
    try:
        schemas.FinancingPatch.model_validate({name: text})
        accepted = True
    except PydanticValidationError:
        accepted = False
    assert accepted == bool(re.fullmatch(pattern, text)), (name, text)


@pytest.mark.parametrize(
    ("sent", "accepted"),
    [
        ("2026-03-01", True),
        ("86400", False),  # pydantic alone reads digits as seconds since 1970
        (86400, False),
        ("2026-03-01T00:00:00", False),  # and a midnight date-time as its date
        ("2026-03-01T00:00:00Z", False),
        ("2026-3-1", False),
        ("２０２６-03-01", False),
        (None, True),
    ],
)
def test_dates_are_accepted_only_as_the_schema_writes_them(sent: Any, accepted: bool) -> None:
    try:
        schemas.FinancingPatch.model_validate({"decided_on": sent})
        taken = True
    except PydanticValidationError:
        taken = False
    assert taken == accepted


@pytest.mark.parametrize("body", [True, 1, 2.5, "x", [], None])
def test_a_body_is_a_json_object_or_refused(body: Any) -> None:
    """ninja's Schema alone reads any value as an object without attributes: a PATCH of
    ``true`` was a PATCH of nothing, answered 200."""
    from innopoints.api import exchange, lending, programmes  # noqa: PLC0415

    for model in (
        schemas.FinancingIn,
        schemas.FinancingPatch,
        lending.ActionIn,
        programmes.FilingIn,
        programmes.ClaimIn,
        exchange.BatchMeta,
    ):
        with pytest.raises(PydanticValidationError, match="请求体须为 JSON 对象"):
            model.model_validate(body)
    assert schemas.FinancingPatch.model_validate({}).model_dump(exclude_unset=True) == {}


def test_choices_match_the_model() -> None:
    assert set(typing.get_args(schemas.FinancingStatus)) == set(Financing.Status.values)
    assert set(typing.get_args(schemas.FinancingKind)) == set(Financing.Kind.values)


def test_rate_limit_per_token(world: dict[str, Any], settings: Any) -> None:
    settings.INNOPOINTS_API_RATE_LIMIT = 3
    client = _api(world["key"])
    assert [client.get(f"{API}/lists").status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(f"{API}/lists")
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60 and "每分钟最多 3 次" in limited.json()["message"]
    assert client.get(f"{API}/lists").status_code == 429
    assert _api(world["rival_key"]).get(f"{API}/lists").status_code == 200  # per token
    assert AuditEntry.objects.filter(action="other", summary__contains="频率限制").count() == 1


def test_openapi_and_local_docs(world: dict[str, Any]) -> None:
    description = Client().get(f"{API}/openapi.json")
    assert description.status_code == 200
    paths = description.json()["paths"]
    assert {"/api/v1/lists", "/api/v1/enterprises/{credit_code}", "/api/v1/financings"} <= set(
        paths
    )
    docs = Client().get(f"{API}/docs").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', docs)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    for source in sources:  # shipped by django-ninja, found by the static files finders
        assert finders.find(source.removeprefix("/static/")), source


# -- schemathesis ---------------------------------------------------------------------------


def test_schemathesis_finds_no_server_errors(world: dict[str, Any], settings: Any) -> None:
    """Every operation of the OpenAPI description, fed generated requests (valid and invalid
    ones) through the WSGI application with a valid token: no 5xx, and every answer as
    documented (status, content type, body schema). Each generated case is also replayed with
    the identifiers of real records, so the happy paths are exercised too."""
    import schemathesis  # noqa: PLC0415 - dev dependency
    from schemathesis import checks as st_checks  # noqa: PLC0415

    from innopoints.site.wsgi import application  # noqa: PLC0415

    settings.INNOPOINTS_API_RATE_LIMIT = 1_000_000
    settings.ALLOWED_HOSTS = ["*"]
    record = Financing.objects.create(
        enterprise=world["mine"],
        institution=world["bank"],
        applied_on=dt.date(2026, 3, 1),
        recorded_by=world["banker"],
    )
    known = {
        "credit_code": world["mine"].credit_code,
        "list_id": world["dispatch"].pk,
        "financing_id": record.pk,
    }
    headers = {"Authorization": f"Bearer {world['key']}"}
    checks = [
        getattr(st_checks, name)
        for name in (
            "not_a_server_error",
            "status_code_conformance",
            "content_type_conformance",
            "response_schema_conformance",
        )
    ]
    statuses: dict[str, set[int]] = {}
    # as Django's test client does: a request must not close the test's database connection
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", application)
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            _exercise(schema, mode, headers, checks, known, statuses)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    # a body the published schema forbids is refused, every time (the schema is exact)
    accepted = [key for key in statuses if key.startswith("accepted ")]
    assert not accepted, accepted
    assert statuses["schema-invalid bodies"] and statuses["schema-invalid bodies"] < set(
        range(400, 500)
    ), statuses
    del statuses["schema-invalid bodies"]
    # + applications (lending), filings and claims, the data exchange (a source token's only:
    # batches and status)
    assert len(statuses) == 8 + 3 + 5 + 2, statuses
    assert all(code < 500 for codes in statuses.values() for code in codes), statuses
    # the replays with real identifiers reached the happy paths
    assert 200 in statuses["GET /api/v1/enterprises/{credit_code}"], statuses
    assert 201 in statuses["POST /api/v1/financings"], statuses
    assert 200 in statuses["PATCH /api/v1/financings/{financing_id}"], statuses


def _exercise(
    schema: Any,
    mode: Any,
    headers: dict[str, str],
    checks: list[Any],
    known: dict[str, Any],
    statuses: dict[str, set[int]],
) -> None:
    import jsonschema_rs  # noqa: PLC0415 - schemathesis's own validator
    from hypothesis import HealthCheck, given  # noqa: PLC0415

    components = schema.raw_schema["components"]["schemas"]
    bodies = {"POST": "FinancingIn", "PATCH": "FinancingPatch"}
    validators = {m: jsonschema_rs.validator_for(components[m]) for m in bodies.values()}

    def send(case: Any) -> None:
        response = case.call(headers=headers)
        statuses.setdefault(case.operation.label, set()).add(response.status_code)
        case.validate_response(response, checks=checks, headers=headers)
        model = bodies.get(case.method.upper()) if "financings" in case.path else None
        json_body = isinstance(case.body, (dict, list, str, int, float, bool))
        valid = model is None or not json_body or validators[model].is_valid(case.body)
        if not valid:
            statuses.setdefault("schema-invalid bodies", set()).add(response.status_code)
            if response.status_code < 400:
                accepted = f"accepted {case.method} {case.path}: {case.body!r}"
                statuses.setdefault(accepted, set()).add(response.status_code)

    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(mode))
        @hypothesis_settings(
            max_examples=20,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: Any) -> None:
            send(case)
            params = case.path_parameters or {}
            body = case.body if isinstance(case.body, dict) else None
            if not any(k in known for k in params) and not (body and "credit_code" in body):
                return
            for key in params.keys() & known.keys():
                params[key] = known[key]
            if body is not None and "credit_code" in body:
                body["credit_code"] = known["credit_code"]
            send(case)

        exercise()
