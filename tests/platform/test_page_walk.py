"""Every page of every portal, in Chinese and in English, shows words, not internals.

The walk takes its pages from the URL configuration (every named pattern outside the admin
site and the JSON API, object ids filled from one small scored province) and from the links on
those pages, signs in as each kind of user (provincial and city government, bank, enterprise,
platform admin, nobody), and reads only the text a person sees (scripts, styles and attributes
left out). It fails naming page and token for: a code-like token (``rd_expense``,
``no_established``), a bare code of a stage, method, transform, kind or status (taken from the
schemes, the engine's types and the models' choices, so the list cannot drift), a division code
shown without its name, and notes meant for developers (METHOD.md, seed 004, 种子材料).
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from innopoints.accounts.models import Profile, Role
from innopoints.analysis.models import Objection, PoolMembership, Publicity
from innopoints.applications import publishing
from innopoints.applications.catalogue import load_offerings
from innopoints.applications.models import Dispatch, Financing, Match, Offering, RunMatching
from innopoints.collection import disputes
from innopoints.collection.demo import import_all, write_files
from innopoints.collection.importing import import_file
from innopoints.collection.models import (
    Authorisation,
    DataSource,
    DisputeEvidence,
    FactValue,
    Finding,
    SourceEndpoint,
)
from innopoints.collection.pulls import raise_delivery_finding
from innopoints.engine import scheme as engine_scheme
from innopoints.lending import workflow
from innopoints.lending.models import ApplicationDocument
from innopoints.onboarding.models import Registration
from innopoints.registry.english import english_name
from innopoints.registry.models import Enterprise, IndustryField, Institution, Region
from innopoints.scoring.models import Result, RobustnessAnalysis, SchemeVersion
from innopoints.scoring.official import official_scheme_version
from innopoints.targets.models import Target, WorkSummary
from tests.platform.conftest import csv_bytes, published_board, scored_run, shared

# Pages that are technical by nature: what they show are identifiers a programmer needs.
ALLOWED_PAGES = {
    # the institution's API tokens: token prefixes, scopes and the API's own paths
    "api_tokens:tokens",
}
# Named URLs that are actions (POST only) or machine answers, not pages.
NOT_PAGES = {
    "accounts:logout",
    "sso:start",  # a redirect to the identity provider (tests/platform/test_sso.py)
    "sso:callback",  # the identity provider's redirect back
    "scoring:run-cancel",
    "scoring:robustness-start",
    "scoring:scheme-draft",
    "scoring:scheme-submit",
    "scoring:scheme-approve",
    "scoring:scheme-return",
    "analysis:board-publish",
    "api_tokens:rotate",
    "api_tokens:revoke",
    "portals:ent_revoke",
    "portals:ent_limit",
    "lending:ent_answer",
    "lending:ent_upload",
    "applications:fin_offering_preview",
    "applications:fin_offering_submit",
    "applications:fin_offering_withdraw",
    "applications:gov_policy_preview",
    "programmes:gov_financing_options",  # JSON for the searchable select
    "targets:summary-file",  # a download
    "analysis:objection-run",
    "portals:ent_score_consent",
    "collection:source-pull",
}
CODE_LIKE = re.compile(r"(?<![A-Za-z0-9_.@/-])[a-z]+_[a-z_]+(?![A-Za-z0-9_@/-])")
DEVELOPER_NOTES = re.compile(r"[\w/.-]+\.md\b|\bseed \d{3}\b|种子材料|§\s?\d", re.I)
# in a Chinese page, a statistician's name for a measure is jargon (English pages may name it)
JARGON_ZH = re.compile(r"Spearman|Kendall|Saltelli|MAD\b|IQR\b", re.I)
SIX_DIGITS = re.compile(r"(?<!\d)\d{6}(?!\d)")


def _literals(kind: Any) -> set[str]:
    """The string values of a ``Literal[...]`` (or a union of them)."""
    found: set[str] = set()
    for arg in typing.get_args(kind):
        if isinstance(arg, str):
            found.add(arg)
        else:
            found |= _literals(arg)
    return found


def bare_codes() -> set[str]:
    """Codes that must never stand alone on a page: stages of every built-in scheme, the
    engine's methods, transforms and aggregations, and every choice stored by the platform."""
    codes: set[str] = set()
    for path in resources.files("innopoints.schemes").iterdir():
        if path.name.endswith(".yaml") and path.name != "fields.yaml":
            content = yaml.safe_load(path.read_text("utf-8"))
            rule = content.get("stage_rule") or {}
            codes |= {str(s["code"]) for s in rule.get("stages", [])}
    for name in ("Method", "Transform", "DerivationOp", "CoinrNormaliser"):
        codes |= _literals(getattr(engine_scheme, name))
    for model in apps.get_models():
        if not model.__module__.startswith("innopoints."):
            continue
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or []:
                if isinstance(value, str):
                    codes.add(value)
    # only lower-case identifiers are codes (A–D tiers, 是/否 and digits are words)
    return {c for c in codes if re.fullmatch(r"[a-z][a-z0-9_]*", c) and len(c) > 2}


class _Text(HTMLParser):
    """The text nodes of a page, without scripts, styles and attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.nodes.append(data.strip())


def problems_in(nodes: list[str], codes: set[str], regions: dict[str, str], zh: bool) -> set[str]:
    found: set[str] = set()
    words = re.compile(
        r"(?<![A-Za-z_])(" + "|".join(sorted(codes, key=len)[::-1]) + r")(?![A-Za-z_])"
    )
    for text in nodes:
        found |= {f"code-like “{m}”" for m in CODE_LIKE.findall(text)}
        found |= {f"developer note “{m.group(0)}”" for m in DEVELOPER_NOTES.finditer(text)}
        if text in codes:
            found.add(f"bare code “{text}”")
        if text in ("True", "False", "None", "nan", "NaN"):  # Python's words, not 是/否 or —
            found.add(f"raw value “{text}”")
        elif zh:  # in an English page, growth or rank are words; in a Chinese one, codes
            found |= {f"bare code “{m}”" for m in words.findall(text)}
        if zh:
            found |= {f"jargon “{m.group(0)}”" for m in JARGON_ZH.finditer(text)}
        for number in SIX_DIGITS.findall(text):
            if number in regions and regions[number] not in text:
                found.add(f"division code “{number}” without its name")
    return found


def _patterns(
    resolver: URLResolver | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin" or (entry.namespace or "").startswith("api-"):
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, inner)
        elif entry.name:
            yield namespace + entry.name, entry


@pytest.fixture(autouse=True)
def _language_back() -> Iterator[None]:
    """Requests under /en/ activate English in this thread: put the language back after."""
    before = translation.get_language()
    yield
    translation.activate(before) if before else translation.deactivate_all()


def _user(name: str, role: str, **bound: Any) -> Any:
    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", "pw-" + name)
    Profile.objects.create(user=user, role=role, **bound)
    return user


@pytest.fixture(scope="module")
def world_once(
    module_db: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Built once for both languages' walks (conftest.module_db)."""
    with django_db_blocker.unblock():
        return build_world(tmp_path_factory.mktemp("world"))


@pytest.fixture
def world(db: Any, world_once: dict[str, Any]) -> dict[str, Any]:
    return shared(world_once)


def build_world(tmp_path: Path) -> dict[str, Any]:
    """The smallest data that shows every page: 120 enterprises scored, one cleared by an
    accident veto, a published board sent to a bank, an authorisation, matches, a financing
    record, a refused import and a robustness analysis; users of every role (password of
    ``name``: ``pw-name``; root's: ``pw``). The browser walk (test_walk.py) uses it too."""
    users = get_user_model().objects
    admin = users.create_superuser("root", "r@example.invalid", "pw")
    import_all(write_files(tmp_path / "files", 120, seed=11), "2025")
    # one enterprise had a major safety accident: its points are cleared, its pages say why
    accident = Enterprise.objects.filter(region__code__startswith="5101").order_by("pk").last()
    assert accident is not None
    import_file(
        DataSource.objects.get(code="emergency"),
        "2025",
        "accident.csv",
        csv_bytes(["统一社会信用代码", "近3年发生重大安全事故"], [[accident.credit_code, "是"]]),
    )
    run = scored_run(admin)
    load_offerings()
    ranked = Result.objects.filter(run=run, vetoed=False).select_related("enterprise")
    best = ranked.filter(region_code__startswith="5101").order_by("rank").first()
    assert best is not None
    vetoed = Result.objects.filter(run=run, vetoed=True).select_related("enterprise").first()
    assert vetoed is not None
    bank = Institution.objects.create(name="测试银行", kind="bank")
    Authorisation.objects.create(
        enterprise=best.enterprise, institution=bank, valid_from=dt.date(2025, 1, 1)
    )
    board = published_board(run, admin, "全省前 30%", kind="overall", share_from=0, share_to=30)
    job = RunMatching.objects.get(run=run)
    assert job.status == "done", job.error
    dispatch = Dispatch.objects.create(board=board, institution=bank, sent_by=admin)
    banker = _user("banker", Role.INSTITUTION, institution=bank)
    own_offering = publishing.save_draft(
        bank,
        {
            "name": "测试银行积分贷",
            "kind": "loan",
            "valid_from": dt.date(2025, 1, 1),
            "eligibility": [{"test": "no_veto"}, {"test": "tier", "in": ["A", "B"]}],
            "terms": {"max_amount": 300, "rate": {"base": "lpr_1y", "spread_bp": 80}},
        },
        banker,
    )
    publishing.send_back(publishing.submit(own_offering, banker), admin, "请补充说明")
    financing = Financing.objects.create(
        enterprise=best.enterprise,
        institution=bank,
        kind="loan",
        product="积分贷",
        applied_on=dt.date(2026, 3, 1),
        status="disbursed",
        amount=400,
        rate="3.65",
        term_months=12,
        decided_on=dt.date(2026, 3, 10),
        disbursed_on=dt.date(2026, 3, 12),
        recorded_by=banker,
    )
    match = Match.objects.filter(enterprise=best.enterprise).first()
    assert match is not None
    sichuan = _user("sichuan", Role.GOVERNMENT, region=Region.objects.get(code="510000"))
    policy = publishing.save_policy(
        {
            "name": "高新技术企业首贷奖励",
            "kind": "award",
            "issuer_name": "科学技术厅",
            "valid_from": dt.date(2025, 1, 1),
            "eligibility": [{"test": "no_veto"}, {"test": "qualification", "any": ["hitech"]}],
            "terms": {"max_amount": 10},
        },
        sichuan,
    )
    # a refused file (errors shown on the progress page) and a file sent twice
    importer = Client()
    importer.force_login(sichuan)
    tax = DataSource.objects.get(code="tax")
    bad = csv_bytes(
        ["统一社会信用代码", "研发费用", "某列"], [[best.enterprise.credit_code, "x", 1]]
    )
    tokens = []
    for name, content in (
        ("bad.csv", bad),
        ("again.csv", next((tmp_path / "files").glob("*tax*")).read_bytes()),
    ):
        from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

        response = importer.post(
            reverse("portals:gov_import"),
            {"source": tax.pk, "period": "2025", "file": SimpleUploadedFile(name, content)},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        tokens.append(response["Location"].rstrip("/").split("/")[-1])
    started = importer.post(
        reverse("scoring:robustness-start", args=[run.pk]), {"replications": "200"}
    )
    assert started.status_code == 302
    analysis = RobustnessAnalysis.objects.get(run=run)
    assert analysis.status == "done", analysis.error
    invited = users.create_user("invited", "i@example.invalid")
    owner = _user("owner", Role.ENTERPRISE, enterprise=best.enterprise)
    loan = Offering.objects.create(
        code="walk-loan",
        name="科创积分贷",
        kind="loan",
        institution=bank,
        valid_from=dt.date(2025, 1, 1),
    )
    application = workflow.submit(best.enterprise, loan, user=owner, amount_requested=100)
    workflow.transition(application, "accepted", user=banker)
    workflow.add_document(application, user=owner, name="statements.pdf", content=b"%PDF-1.4")
    finding = Finding.objects.filter(status="open").first()
    assert finding is not None
    # an enterprise dispute with evidence (its pages on both sides)
    disputed = (
        FactValue.objects.filter(enterprise=best.enterprise, period="2025", source__manual=False)
        .order_by("field_code", "pk")
        .first()
    )
    assert disputed is not None
    dispute = disputes.file_dispute(
        best.enterprise,
        user=owner,
        period="2025",
        field_code=disputed.field_code,
        grounds="wrong",
        statement="数值有误，见附件",
        fact=disputed,
        evidence=[disputes.Evidence("证明.pdf", b"%PDF-1.4")],
    )
    WorkSummary.objects.create(
        division_id="510100",
        year=2025,
        text="2025 年工作总结",
        file_name="总结.pdf",
        content=b"%PDF-1.4",
        size=8,
        uploaded_by=admin,
    )
    # the board on 公示, with an objection that names the best enterprise
    today = dt.date.today()
    on_show = Publicity.objects.create(
        board=board,
        title="全省前 30% 公示",
        field=IndustryField.objects.get(name="人工智能"),
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=6),
        show_scores=True,
        contact="省科技厅",
        created_by=admin,
    )
    objection = Objection.objects.create(
        publicity=on_show,
        subject=best.enterprise.name,
        enterprise=best.enterprise,
        name="李四",
        phone="13800000000",
        text="研发费用与年报不符",
        attachment_name="年报摘录.pdf",
        attachment=b"%PDF-1.4",
        deadline=today + dt.timedelta(days=15),
    )
    # self-registrations: one waiting for review (the enterprise has an account), one refused
    now = timezone.now()
    registrations = [
        Registration.objects.create(
            enterprise=best.enterprise,
            legal_representative=best.enterprise.legal_representative or "张三",
            email=email,
            mobile="13800138000",
            status=status,
            existing_owner=True,
            needs_review=True,
            code_expires_at=now,
            verified_at=now,
            submitted_at=now,
            reason=reason,
            decided_by=sichuan if reason else None,
            decided_at=now if reason else None,
        )
        for email, status, reason in (
            ("self@example.invalid", "pending", ""),
            ("second@example.invalid", "refused", "联系人非本企业员工"),
        )
    ]
    # a source pulled on a schedule whose last delivery was refused, and one late
    hrss = DataSource.objects.get(code="hrss")
    SourceEndpoint.objects.create(
        source=hrss,
        url="http://127.0.0.1:9/hrss/{period}.json",
        mapping={"tyshxydm": "credit_code", "bysrs": "graduates"},
        auth="bearer",
        secret="a-secret-never-shown-1234",
    )
    refused = raise_delivery_finding(
        hrss, "2025", "delivery_refused", "拒收", {"problems": [{"row": 3, "message": "x"}]}
    )
    late = raise_delivery_finding(hrss, "2024", "delivery_late", "逾期", {"due_on": "2025-06-30"})
    assert refused is not None and late is not None
    return {
        "registrations": registrations,
        "delivery_findings": [refused, late],
        "dispute": dispute,
        "run": run,
        "enterprise": best.enterprise,
        # the best enterprise, and one whose points were cleared (veto reasons shown)
        "enterprises": [best.enterprise, vetoed.enterprise],
        "board": board,
        "dispatch": dispatch,
        "financing": financing,
        "match": match,
        "own_offering": own_offering,
        "policy": policy,
        "offering": match.offering,
        "finding": finding,
        "publicity": on_show,
        "objection": objection,
        "pool": PoolMembership.objects.filter(run=run).values_list("pool__code", flat=True)[0],
        "tokens": tokens,
        "set_password": {
            "uidb64": urlsafe_base64_encode(force_bytes(invited.pk)),
            "token": default_token_generator.make_token(invited),
        },
        "users": {
            "nobody": None,
            "root": admin,
            "sichuan": sichuan,
            "chengdu": _user("chengdu", Role.GOVERNMENT, region=Region.objects.get(code="510100")),
            "banker": banker,
            "owner": owner,
        },
        "application": application,
    }


# Pages each kind of user must have been shown (proof that the walk signs in and fills ids).
MUST_SEE = {
    ("portals:gov_home", "sichuan"),
    ("portals:gov_home", "chengdu"),
    ("portals:gov_import_progress", "sichuan"),
    ("portals:gov_import_columns", "chengdu"),
    ("portals:gov_financing", "sichuan"),
    ("targets:funnel", "sichuan"),
    ("targets:funnel", "banker"),
    ("targets:edit", "sichuan"),
    ("targets:supervision", "sichuan"),
    ("targets:deliveries", "chengdu"),
    ("targets:summary", "sichuan"),
    ("scoring:run", "chengdu"),
    ("scoring:explain", "sichuan"),
    ("scoring:leaderboard", "sichuan"),
    ("scoring:robustness", "sichuan"),
    ("scoring:scheme", "chengdu"),
    ("scoring:scheme-whatif", "sichuan"),
    ("scoring:scheme-compare", "sichuan"),
    ("analysis:statistics", "sichuan"),
    ("analysis:board", "sichuan"),
    ("analysis:pool", "sichuan"),
    ("collection:quality", "sichuan"),
    ("collection:findings", "sichuan"),
    ("collection:resolve", "sichuan"),
    ("collection:sources", "sichuan"),
    ("collection:source", "sichuan"),
    ("collection:source", "chengdu"),
    ("portals:fin_home", "banker"),
    ("portals:fin_list", "banker"),
    ("portals:fin_enterprise", "banker"),
    ("portals:fin_outcomes", "banker"),
    ("portals:fin_financing_edit", "banker"),
    ("portals:ent_home", "owner"),
    ("portals:ent_matches", "owner"),
    ("portals:ent_match", "owner"),
    ("portals:ent_authorisations", "owner"),
    ("portals:ent_assess", "owner"),
    ("portals:ent_disputes", "owner"),
    ("portals:ent_dispute", "owner"),
    ("portals:ent_dispute_new", "owner"),
    ("ops:jobs", "root"),
    ("accounts:login", "nobody"),
    ("accounts:set_password", "nobody"),
    ("analysis:publicity-list", "sichuan"),
    ("analysis:publicity", "root"),
    ("analysis:publicity-new", "root"),
    ("analysis:objection", "root"),
    ("public:index", "nobody"),
    ("public:page", "nobody"),
    ("portals:ent_push_settings", "owner"),
    ("onboarding:register", "nobody"),
    ("onboarding:review_list", "chengdu"),
    ("onboarding:review", "sichuan"),
    ("onboarding:policies", "chengdu"),
}
# How each named URL's parameters are filled: one or more sets of arguments.
ARGUMENTS: dict[str, Callable[[dict[str, Any]], list[dict[str, Any]]]] = {
    "scoring:run": lambda w: [{"pk": w["run"].pk}],
    "scoring:run-state": lambda w: [{"pk": w["run"].pk}],
    "scoring:robustness": lambda w: [{"pk": w["run"].pk}],
    "scoring:robustness-state": lambda w: [{"pk": w["run"].pk}],
    "scoring:leaderboard": lambda w: [{"pk": w["run"].pk}],
    "scoring:leaderboard-xlsx": lambda w: [{"pk": w["run"].pk}],
    "scoring:scheme": lambda w: [
        {"pk": pk} for pk in SchemeVersion.objects.values_list("pk", flat=True)
    ],
    # a published version: its what-if is the version against the latest run; edit is refused
    "scoring:scheme-edit": lambda w: [{"pk": official_scheme_version().pk}],
    "scoring:scheme-whatif": lambda w: [{"pk": official_scheme_version().pk}],
    "scoring:explain": lambda w: [
        {"pk": w["run"].pk, "enterprise_id": e.pk} for e in w["enterprises"]
    ],
    "analysis:portrait": lambda w: [{"enterprise_id": e.pk} for e in w["enterprises"]],
    "analysis:dossier": lambda w: [{"enterprise_id": e.pk} for e in w["enterprises"]],
    "analysis:dossier-pdf": lambda w: [{"enterprise_id": w["enterprise"].pk}],
    "analysis:boards": lambda w: [{"run_id": w["run"].pk}],
    "analysis:board": lambda w: [{"pk": w["board"].pk}],
    "analysis:board-xlsx": lambda w: [{"pk": w["board"].pk}],
    "analysis:publicity": lambda w: [{"pk": w["publicity"].pk}],
    "analysis:publicity-new": lambda w: [{"board_id": w["board"].pk}],
    "analysis:objection": lambda w: [{"pk": w["objection"].pk}],
    "analysis:objection-attachment": lambda w: [{"pk": w["objection"].pk}],
    "public:page": lambda w: [{"pk": w["publicity"].pk}],
    "analysis:pool-rule-edit": lambda w: [{"code": w["pool"]}],
    "analysis:pools": lambda w: [{"run_id": w["run"].pk}],
    "analysis:pool": lambda w: [{"run_id": w["run"].pk, "code": w["pool"]}],
    "analysis:pool-xlsx": lambda w: [{"run_id": w["run"].pk, "code": w["pool"]}],
    "analysis:statistics": lambda w: [{"run_id": w["run"].pk}],
    "analysis:statistics-xlsx": lambda w: [{"run_id": w["run"].pk}],
    "collection:resolve": lambda w: [
        {"pk": w["finding"].pk},
        {"pk": w["dispute"].finding_id},
        *({"pk": f.pk} for f in w["delivery_findings"]),
    ],
    "collection:source": lambda w: [{"code": "tax"}, {"code": "hrss"}],
    "collection:evidence": lambda w: [{"pk": e.pk} for e in DisputeEvidence.objects.all()],
    "portals:ent_dispute": lambda w: [{"pk": w["dispute"].pk}],
    "portals:ent_dispute_evidence": lambda w: [{"pk": e.pk} for e in DisputeEvidence.objects.all()],
    "accounts:set_password": lambda w: [w["set_password"]],
    "portals:gov_import_progress": lambda w: [{"token": t} for t in w["tokens"]],
    "portals:gov_import_state": lambda w: [{"token": t} for t in w["tokens"]],
    "portals:gov_import_errors": lambda w: [{"token": t} for t in w["tokens"]],
    "portals:gov_import_template": lambda w: [{"source": "tax"}, {"source": "samr"}],
    "portals:gov_send_list": lambda w: [{"board_id": w["board"].pk}],
    "portals:fin_list": lambda w: [{"pk": w["dispatch"].pk}],
    "portals:fin_list_xlsx": lambda w: [{"pk": w["dispatch"].pk}],
    "portals:fin_enterprise": lambda w: [{"enterprise_id": w["enterprise"].pk}],
    "portals:fin_financing_new": lambda w: [{"enterprise_id": w["enterprise"].pk}],
    "portals:fin_financing_edit": lambda w: [{"pk": w["financing"].pk}],
    "portals:ent_match": lambda w: [{"pk": w["match"].pk}],
    "portals:ent_offering": lambda w: [{"pk": o.pk} for o in Offering.objects.all()],
    "lending:apply": lambda w: [
        {"offering_id": o.pk} for o in Offering.objects.filter(institution__isnull=False)
    ],
    "lending:bank_detail": lambda w: [{"pk": w["application"].pk}],
    "lending:bank_dossier": lambda w: [{"pk": w["application"].pk}],
    "lending:ent_detail": lambda w: [{"pk": w["application"].pk}],
    "targets:edit": lambda w: [{"pk": t.pk} for t in Target.objects.all()],
    "targets:summary": lambda w: [{"pk": s.pk} for s in WorkSummary.objects.all()],
    "lending:document": lambda w: [{"pk": d.pk} for d in ApplicationDocument.objects.all()],
    "applications:fin_offering": lambda w: [{"pk": w["own_offering"].pk}],
    "applications:fin_offering_edit": lambda w: [{"pk": w["own_offering"].pk}],
    "applications:gov_offering": lambda w: [{"pk": w["own_offering"].pk}],
    "applications:gov_policy": lambda w: [{"pk": w["policy"].pk}],
    "applications:gov_policy_edit": lambda w: [{"pk": w["policy"].pk}],
    "onboarding:review": lambda w: [{"pk": r.pk} for r in w["registrations"]],
}


def _urls(world: dict[str, Any]) -> list[str]:
    urls, unfilled = [], []
    for name, pattern in _patterns():
        if name in NOT_PAGES or name == "set_language":
            continue
        if not pattern.pattern.converters and not re.search(r"<|\(\?P", str(pattern.pattern)):
            urls.append(reverse(name))
        elif name in ARGUMENTS:
            urls += [reverse(name, kwargs=kwargs) for kwargs in ARGUMENTS[name](world)]
        else:
            unfilled.append(name)
    assert not unfilled, f"add these pages to the walk's ARGUMENTS: {unfilled}"
    return urls


def _view_name(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


def _walk(
    world: dict[str, Any], language: str
) -> tuple[dict[str, set[str]], set[tuple[str | None, str]]]:
    codes = bare_codes()
    regions = {  # a division's name in the walk's language (English: Chengdu City)
        code: name if language.startswith("zh") else english_name(name)
        for code, name in Region.objects.values_list("code", "name")
    }
    clients = {}
    for label, user in world["users"].items():
        client = Client()
        if user is not None:
            client.force_login(user)
        clients[label] = client
    queue = _urls(world)  # in the walk's language (the caller's translation.override)
    seen_urls: set[str] = set(queue)
    seen_kinds: set[tuple[str | None, frozenset[str]]] = set()
    found: dict[str, set[str]] = {}
    seen: set[tuple[str | None, str]] = set()
    depth = dict.fromkeys(queue, 0)
    while queue:
        url = queue.pop(0)
        name = _view_name(url)
        for label, client in clients.items():
            response = client.get(url)
            moved = response.get("Location", "") if response.status_code == 302 else ""
            if moved and _view_name(moved) == name:  # e.g. the set-password link's own step
                response = client.get(moved)
            if response.status_code >= 500:
                found.setdefault(f"{url} ({label})", set()).add(f"HTTP {response.status_code}")
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            seen.add((name, label))
            parser = _Text()
            parser.feed(response.content.decode())
            if name not in ALLOWED_PAGES:
                for problem in problems_in(parser.nodes, codes, regions, language != "en"):
                    found.setdefault(f"{url} ({label})", set()).add(problem)
            if depth[url] >= 1:
                continue
            for href in parser.links:
                link = urlsplit(href)
                if link.scheme or link.netloc or not link.path.startswith("/"):
                    continue
                target = link.path + (f"?{link.query}" if link.query else "")
                kind = (_view_name(link.path), frozenset(k for k, _ in parse_qsl(link.query)))
                skip = kind[0] is None or kind[0] in NOT_PAGES or kind[0].startswith("admin:")
                if skip or target in seen_urls or kind in seen_kinds:
                    continue
                seen_urls.add(target)
                seen_kinds.add(kind)
                depth[target] = depth[url] + 1
                queue.append(target)
    return found, seen


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_show_words_not_codes(world: dict[str, Any], language: str) -> None:
    with translation.override(language):  # reverse() and resolve() of /en/ need English
        found, seen = _walk(world, language)
    missing = MUST_SEE - seen
    assert not missing, f"the walk did not reach: {sorted(missing, key=str)}"
    report = "\n".join(f"{page}: {', '.join(sorted(p))}" for page, p in sorted(found.items()))
    assert not found, f"{len(found)} page(s) show internals:\n{report}"


def test_the_walk_sees_what_it_must() -> None:
    """The checks themselves: codes from the schemes, engine and models; text only."""
    codes = bare_codes()
    assert {"startup", "growth", "mature", "wminmax", "log1p", "loan"} <= codes
    parser = _Text()
    parser.feed(
        '<p title="rd_expense">研发费用</p><script>var no_established=1</script><td>growth</td>'
    )
    assert parser.nodes == ["研发费用", "growth"]
    regions = {"510100": "成都市"}
    assert problems_in(["否决：no_established"], codes, regions, True) == {
        "code-like “no_established”"
    }
    assert problems_in(["growth"], codes, regions, False) == {"bare code “growth”"}
    assert problems_in(["阶段 startup"], codes, regions, True) == {"bare code “startup”"}
    assert problems_in(["R&D expenditure growth"], codes, regions, False) == set()
    assert problems_in(["510100"], codes, regions, True) == {
        "division code “510100” without its name"
    }
    assert problems_in(["成都市（510100）"], codes, regions, True) == set()
    assert problems_in(["见 METHOD.md §1"], codes, regions, True) == {
        "developer note “METHOD.md”",
        "developer note “§1”",
    }
