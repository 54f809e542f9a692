"""From score to money, the pages: a received list shows each enterprise's 预授信参考 for the
bank's own loan product (the revenue-scaled amount only to the bank it authorised) and a
邀请授权 action that fills in the invitation; the enterprise's pages show the one indication
(预授信参考额度 / 参考年利率), never the amount stored at matching time."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.urls import reverse
from django.utils import timezone

from innopoints.analysis.models import Leaderboard
from innopoints.applications.list_indication import list_offering
from innopoints.applications.models import Dispatch, Match, Offering
from innopoints.applications.offering_views import indications
from innopoints.lending.models import Invitation
from innopoints.portals.institution import ListContext, ListTable
from innopoints.scoring.models import Result
from innopoints.site.formats import wan
from tests.platform.test_offering_publish import _client, world, world_once  # noqa: F401


def _dispatch(w: dict[str, Any], institution: Any) -> Dispatch:
    board = Leaderboard.objects.get(run=w["run"], status="published")
    return Dispatch.objects.create(board=board, institution=institution, sent_by=w["admin"])


def _rate(tier: str) -> str:
    # LPR 3.0 + 60bp for tier A, + 100bp otherwise (the test offering's terms)
    return "3.600%" if tier == "A" else "4.000%"


def test_received_list_shows_indication_and_invites(world: dict[str, Any]) -> None:  # noqa: F811
    banker, top = world["banker"], world["top"]
    dispatch = _dispatch(world, world["bank"])
    url = reverse("portals:fin_list", args=[dispatch.pk])
    client = _client(banker)
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "预授信参考按本机构产品“上架贷”的条款测算" in body
    rows = list(page.context["listing"].table.page)
    assert rows
    tiers = dict(Result.objects.filter(run=world["run"]).values_list("enterprise_id", "tier"))
    top_amount = indications(world["run"], world["shelved"], [top.pk])[top.pk].amount
    assert top_amount is not None and top_amount <= 500  # capped at max_amount
    seen_top = False
    for row in rows:
        pk = row.record["enterprise_id"]
        cell = row.get_cell("indication")
        if pk == top.pk:  # authorised the bank: the revenue-scaled amount is shown
            seen_top = True
            assert cell == f"{wan(top_amount)} / {_rate(tiers[pk])}"
        else:  # not authorised: the amount would disclose revenue; the rate follows the tier
            assert cell == f"— / {_rate(tiers[pk])}"
    assert seen_top  # the best A/B enterprise is on the list's first page
    # 邀请授权 on a row not yet invited: the invitation form, filled in
    row = next(r for r in rows if r.record["enterprise_id"] != top.pk)
    href = str(row.get_cell("invite")).split('href="')[1].split('"')[0].replace("&amp;", "&")
    parts = urlsplit(href)
    assert parts.path == reverse("lending:bank_invitations")
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "dispatch": str(dispatch.pk),
        "enterprise": row.record["name"],
        "offering": str(world["shelved"].pk),
    }
    form = client.get(href).context["form"]
    assert form.initial == query
    done = client.post(reverse("lending:bank_invitations"), query)
    assert done.status_code == 302
    sent = Invitation.objects.get(institution=world["bank"])
    assert (sent.enterprise_id, sent.offering_id) == (
        row.record["enterprise_id"],
        world["shelved"].pk,
    )
    again = {r.record["enterprise_id"]: r for r in client.get(url).context["listing"].table.page}
    assert again[row.record["enterprise_id"]].get_cell("invite") == "已邀请，待回复"
    # the export is still name, tier, band and coverage only
    exported = client.get(url, {"export": "csv"})
    raw = b"".join(exported.streaming_content)
    header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header == ["名次", "企业名称", "档次", "分数段", "数据覆盖率（%）"]


def test_no_loan_product_no_indication(world: dict[str, Any]) -> None:  # noqa: F811
    dispatch = _dispatch(world, world["rival"])
    page = _client(world["rival_banker"]).get(reverse("portals:fin_list", args=[dispatch.pk]))
    assert "本机构暂无已上架的积分贷产品" in page.content.decode()
    cells = {row.get_cell("indication") for row in page.context["listing"].table.page}
    assert cells == {"—"}


def test_only_inviters_get_the_action(world: dict[str, Any]) -> None:  # noqa: F811
    dispatch = _dispatch(world, world["bank"])
    rows = [{"enterprise_id": world["top"].pk, "name": world["top"].name, "tier": "A"}]
    for may_invite in (True, False):
        context = ListContext(dispatch.pk, world["run"], None, set(), set(), may_invite)
        names = [c.name for c in ListTable(rows, list_context=context).columns]
        assert ("invite" in names) is may_invite
    assert world["banker"].has_perm("lending.invite")
    assert not world["sichuan"].has_perm("lending.invite")
    assert not world["owner"].has_perm("lending.invite")
    refused = _client(world["sichuan"]).get(reverse("lending:bank_invitations"))
    assert refused.status_code == 403


def test_the_product_matched_on_the_list_is_preferred(world: dict[str, Any]) -> None:  # noqa: F811
    bank, run = world["bank"], world["run"]
    later = Offering.objects.create(
        code="later-loan",
        name="后上架贷",
        kind=Offering.Kind.LOAN,
        institution=bank,
        valid_from=world["shelved"].valid_from,
        terms={"max_amount": 100},
    )
    # the older shelved product is matched on the run: it is chosen
    assert list_offering(bank, run.pk) == world["shelved"]
    # only the later one matched: the later one
    Match.objects.filter(run=run, offering=world["shelved"]).delete()
    Match.objects.create(
        run=run, offering=later, enterprise=world["top"], created_at=timezone.now()
    )
    assert list_offering(bank, run.pk) == later
    # none matched on the list's run: the first on the shelf
    assert list_offering(bank, None) == world["shelved"]
    # withdrawn or another kind: not a candidate
    later.review_state = Offering.Review.WITHDRAWN
    later.save()
    world["shelved"].kind = Offering.Kind.GUARANTEE
    world["shelved"].save()
    assert list_offering(bank, run.pk) is None


def test_enterprise_pages_show_one_indication(world: dict[str, Any]) -> None:  # noqa: F811
    top = world["top"]
    match = Match.objects.get(run=world["run"], offering=world["shelved"], enterprise=top)
    tier = Result.objects.get(run=world["run"], enterprise=top).tier
    amount = indications(world["run"], world["shelved"], [top.pk])[top.pk].amount
    client = _client(world["owner"])
    for url in (
        reverse("portals:ent_match", args=[match.pk]),
        reverse("portals:ent_matches"),
        reverse("portals:ent_home"),
    ):
        text = client.get(url).content.decode()
        assert "建议额度" not in text and "建议年利率" not in text, url
        assert 'id="suggested"' not in text, url
        assert "预授信参考额度" in text and "参考年利率" in text, url
        assert wan(amount) in text and _rate(tier) in text, url
        assert "不构成授信决定" in text, url
