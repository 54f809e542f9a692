"""政府政策: a government drafts its own policy with the same form as an institution's product
(no JSON), previews it, publishes it on the shelf and takes it off; another division neither
sees nor edits it; every step is audited and kept in history."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from innopoints.accounts.models import Role
from innopoints.applications import publishing
from innopoints.applications.forms import PolicyForm
from innopoints.applications.models import Offering
from innopoints.audit.models import AuditEntry
from innopoints.registry.models import Region
from tests.platform.programmes_world import user

FORM = {
    "name": "高新技术企业首贷奖励",
    "kind": "award",
    "issuer_name": "科学技术局",
    "valid_from": "2026-01-01",
    "no_veto": "on",
    "tiers": ["A", "B"],
    "qualifications": ["hitech"],
    "max_amount": "10",
    "rank_within": "overall",
}


@pytest.fixture
def chengdu(db: Any) -> Any:
    return user("cd-gov", Role.GOVERNMENT, region=Region.objects.get(code="510100"))


def client_of(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_policy_form_offers_every_kind_and_no_authorisation(db: Any) -> None:
    form = PolicyForm(FORM)
    assert form.is_valid(), form.errors
    assert "authorisation" not in form.fields
    assert {"award", "policy"} <= {k for k, _label in form.fields["kind"].choices}
    data = form.data_for_offering()
    assert data["issuer_name"] == "科学技术局"
    assert data["eligibility"] == [
        {"test": "no_veto"},
        {"test": "tier", "in": ["A", "B"]},
        {"test": "qualification", "any": ["hitech"]},
    ]
    assert data["terms"] == {"max_amount": 10}


def test_a_city_drafts_publishes_and_withdraws_its_policy(chengdu: Any) -> None:
    client = client_of(chengdu)
    assert client.get(reverse("applications:gov_policy_new")).status_code == 200
    preview = client.post(reverse("applications:gov_policy_preview"), FORM)
    assert preview.status_code == 200
    saved = client.post(reverse("applications:gov_policy_new"), {**FORM, "save": "1"})
    assert saved.status_code == 302
    policy = Offering.objects.get(name=FORM["name"])
    assert policy.institution is None and policy.issuer_region.code == "510100"
    assert policy.review_state == "draft" and not policy.active
    assert policy.issuer == "成都市 科学技术局"
    page = client.post(reverse("applications:gov_policy", args=[policy.pk]), {"action": "publish"})
    assert page.status_code == 302
    policy.refresh_from_db()
    assert policy.review_state == "on_shelf" and policy.active
    # on the shelf it is not edited in place
    edit = client.get(reverse("applications:gov_policy_edit", args=[policy.pk]))
    assert edit.status_code == 302
    client.post(reverse("applications:gov_policy", args=[policy.pk]), {"action": "withdraw"})
    policy.refresh_from_db()
    assert policy.review_state == "withdrawn" and not policy.active
    again = client.post(
        reverse("applications:gov_policy_edit", args=[policy.pk]), {**FORM, "max_amount": "20"}
    )
    assert again.status_code == 302
    policy.refresh_from_db()
    assert policy.version == 2 and policy.terms == {"max_amount": 20}
    assert policy.history.count() >= 4
    summaries = set(AuditEntry.objects.values_list("summary", flat=True))
    assert {"政策已发布上架", "产品已下架"} <= summaries


def test_another_division_neither_sees_nor_edits_it(chengdu: Any) -> None:
    form = PolicyForm(FORM)
    assert form.is_valid()
    policy = publishing.save_policy(form.data_for_offering(), chengdu)
    mianyang = user("my-gov", Role.GOVERNMENT, region=Region.objects.get(code="510700"))
    other = client_of(mianyang)
    assert FORM["name"] not in other.get(reverse("applications:gov_policies")).content.decode()
    assert other.get(reverse("applications:gov_policy", args=[policy.pk])).status_code == 404
    assert other.get(reverse("applications:gov_policy_edit", args=[policy.pk])).status_code == 404
    with pytest.raises(publishing.ReviewError):
        publishing.publish_policy(policy, mianyang)
    own = client_of(chengdu).get(reverse("applications:gov_policies")).content.decode()
    assert FORM["name"] in own
