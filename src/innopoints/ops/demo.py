"""`innopoints demo`: the whole platform on one machine with the embedded database."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from innopoints.accounts.models import Profile
from innopoints.collection import demo as collection_demo
from innopoints.collection import pulls
from innopoints.collection.demo import DemoFiles, import_all, write_files
from innopoints.collection.models import ImportBatch
from innopoints.scoring.execution import execute
from innopoints.scoring.models import Run, SchemeVersion

PERIOD = "2025"


def _admin_password() -> tuple[str, str]:
    path = settings.DATA_DIR / "demo-admin-password.txt"
    users = get_user_model()
    if not users.objects.filter(username="admin").exists():
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser("admin", "admin@example.invalid", password)
        path.write_text(password + "\n", encoding="utf-8")
        path.chmod(0o600)
    password = path.read_text(encoding="utf-8").strip() if path.exists() else "(unchanged)"
    return "admin", password


def demo_accounts(run: Run) -> dict[str, tuple[str, str]]:
    """One account per portal, a published list sent to a demo bank, and the enterprise's
    authorisation to it, so that every portal has something to show. Idempotent."""
    from innopoints.accounts.models import Profile, Role  # noqa: PLC0415
    from innopoints.analysis.models import Leaderboard  # noqa: PLC0415
    from innopoints.applications.models import Dispatch  # noqa: PLC0415
    from innopoints.registry.models import Institution, Region  # noqa: PLC0415
    from innopoints.scoring.models import Result  # noqa: PLC0415

    path = settings.DATA_DIR / "demo-accounts.txt"
    if path.exists():
        lines = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
        return {role: (name, secret) for role, name, secret in lines}
    admin = get_user_model().objects.get(username="admin")
    bank, _ = Institution.objects.get_or_create(
        name="示例银行四川省分行", defaults={"kind": "bank"}
    )
    board, _ = Leaderboard.objects.get_or_create(
        run=run,
        title="2025 年度创新积分榜（前 20%）",
        defaults={"kind": "overall", "share_from": 0, "share_to": 20},
    )
    if board.status != "published":
        from django.utils import timezone  # noqa: PLC0415

        board.status, board.published_at, board.published_by = "published", timezone.now(), admin
        board.save()
    Dispatch.objects.get_or_create(board=board, institution=bank, defaults={"sent_by": admin})
    chengdu = Region.objects.get(code="510100")
    top = (
        Result.objects.filter(run=run, vetoed=False, region_code__startswith="5101")
        .order_by("rank")
        .select_related("enterprise")
        .first()
    )
    bindings = {
        "government (Sichuan)": (
            "sichuan",
            Role.GOVERNMENT,
            {"region": Region.objects.get(code="510000")},
        ),
        "government (Chengdu)": ("chengdu", Role.GOVERNMENT, {"region": chengdu}),
        "institution (bank)": ("bank", Role.INSTITUTION, {"institution": bank}),
    }
    if top is not None:
        bindings["enterprise"] = ("enterprise", Role.ENTERPRISE, {"enterprise": top.enterprise})
        _authorise_and_borrow(top.enterprise, bank, admin)
    accounts = {}
    for label, (name, role, bound) in bindings.items():
        secret = secrets.token_urlsafe(12)
        user = get_user_model().objects.create_user(name, f"{name}@example.invalid", secret)
        Profile.objects.create(user=user, role=role, invited_by=admin, **bound)
        accounts[label] = (name, secret)
    path.write_text(
        "".join(f"{label}\t{name}\t{secret}\n" for label, (name, secret) in accounts.items()),
        encoding="utf-8",
    )
    path.chmod(0o600)
    return accounts


def _authorise_and_borrow(enterprise: Any, bank: Any, admin: Any) -> None:
    """The demo enterprise authorises the demo bank, which has granted it a loan."""
    import datetime as dt  # noqa: PLC0415
    from decimal import Decimal  # noqa: PLC0415

    from innopoints.applications.models import Financing  # noqa: PLC0415
    from innopoints.collection.models import Authorisation  # noqa: PLC0415

    Authorisation.objects.get_or_create(
        enterprise=enterprise, institution=bank, defaults={"valid_from": dt.date.today()}
    )
    Financing.objects.get_or_create(
        enterprise=enterprise,
        institution=bank,
        product="天府科创贷（示例）",
        defaults={
            "applied_on": dt.date.today() - dt.timedelta(days=30),
            "amount_requested": Decimal(500),
            "status": "disbursed",
            "amount": Decimal(400),
            "rate": Decimal("3.45"),
            "term_months": 12,
            "guarantee_share": Decimal(60),
            "decided_on": dt.date.today() - dt.timedelta(days=20),
            "disbursed_on": dt.date.today() - dt.timedelta(days=15),
            "recorded_by": admin,
        },
    )


def _financing_loop(run: Run, username: str, say: Callable[[str], None]) -> None:
    """The loop after the score, so a visitor sees it whole: applications to two banks in every
    state, and a risk-compensation programme into which the banks file the loans those
    applications brought — one defaults, its claim is paid and its application shows 已代偿 —
    with a paid interest subsidy and a first-loan award. Each part is made once."""
    from innopoints.applications.demo_offerings import publish_demo_offerings  # noqa: PLC0415
    from innopoints.lending.demo import demo_applications  # noqa: PLC0415
    from innopoints.programmes import demo as programme_demo  # noqa: PLC0415

    publish_demo_offerings()  # two banks' own loan products, on the shelf after review
    made = demo_applications(run)
    if made:
        say(f"financing applications: {made}, in every state")
    admin = get_user_model().objects.get(username=username)
    programme = programme_demo.build(admin)
    if programme is not None:
        say(f"risk-compensation programme: {programme.name}")


def _supervision(username: str, say: Callable[[str], None]) -> None:
    """Delivery deadlines around the import day (some sources late, some missing), three
    cities' targets and two work summaries, for 监测评价."""
    from innopoints.targets import demo as supervision_demo  # noqa: PLC0415

    made = supervision_demo.build(PERIOD, get_user_model().objects.get(username=username))
    if made:
        say(f"delivery deadlines for {PERIOD}: {made} (see /targets/supervision/deliveries/)")


def _self_registration(username: str, say: Callable[[str], None]) -> None:
    """Mianyang reviews self-registrations (one waits in its list); two enterprises for a
    visitor to register at /register/."""
    from innopoints.onboarding import demo as onboarding_demo  # noqa: PLC0415

    visitors = onboarding_demo.build(get_user_model().objects.get(username=username))
    for code, name, division in visitors:
        say(f"  self-registration ({division}): credit code {code}, legal representative {name}")


DeliverByApi = Callable[[Path, str, Any, Callable[[str], None]], bool]


def _sources_that_connect(
    files: DemoFiles, user: Any, deliver_by_api: DeliverByApi | None, say: Callable[[str], None]
) -> None:
    """The two sources that deliver by themselves: one by the data exchange API, one pulled on
    a schedule from the endpoint the demo serves (the first pull now, then the beat's)."""
    api_file = files.files[collection_demo.API_SOURCE]
    if deliver_by_api is not None:
        deliver_by_api(api_file, PERIOD, user, say)
    else:  # no API in this process: the file as the others
        import_all(DemoFiles(files.directory, {collection_demo.API_SOURCE: api_file}), PERIOD, user)
    url = collection_demo.start_source_server(files.directory, PERIOD)
    endpoint = collection_demo.configure_pull(url, PERIOD)
    outcome = pulls.pull(endpoint)
    say(f"{endpoint.source.name}: pulled from {url.replace('{period}', PERIOD)}: {outcome.message}")


def _serve_pulled_source(say: Callable[[str], None]) -> None:
    """A later start: the pulled source's endpoint again (on a new port) and, without a
    broker, its scheduled pulls in this process."""
    directory = settings.DATA_DIR / "demo-files"
    if not directory.exists():
        return
    url = collection_demo.start_source_server(directory, PERIOD)
    endpoint = collection_demo.configure_pull(url, PERIOD)
    say(f"{endpoint.source.name} is pulled on a schedule from {url.replace('{period}', PERIOD)}")


def run_demo(
    n: int,
    serve: bool,
    port: int,
    say: Callable[[str], None],
    sso: Any = None,
    deliver_by_api: DeliverByApi | None = None,
) -> None:
    """``sso``: the test OpenID Connect provider the platform was configured with (demo_sso);
    ``deliver_by_api``: how the demo's API source delivers (api/demo.py)."""
    say(f"database: {settings.DATABASES['default']['NAME']}")
    call_command("migrate", interactive=False, verbosity=0)
    username, password = _admin_password()
    if ImportBatch.objects.filter(period=PERIOD).exists():
        say(
            f"demo data for {PERIOD} are already imported; delete {settings.DATA_DIR} to start "
            "afresh"
        )
        _serve_pulled_source(say)
    else:
        started = time.perf_counter()
        files = write_files(settings.DATA_DIR / "demo-files", n)
        say(
            f"generated {n} synthetic enterprises as {len(files.files)} source files in "
            f"{files.directory}"
        )
        user = get_user_model().objects.get(username=username)
        connecting = {collection_demo.API_SOURCE, collection_demo.PULLED_SOURCE}
        by_file = {c: p for c, p in files.files.items() if c not in connecting}
        import_all(DemoFiles(files.directory, by_file), PERIOD, user=user, report=say)
        _sources_that_connect(files, user, deliver_by_api, say)
        say(f"imported everything in {time.perf_counter() - started:.1f} s")
    run = Run.objects.filter(period=PERIOD, status="done").first()
    if run is None:
        user = get_user_model().objects.get(username=username)
        version = SchemeVersion.objects.get(scheme_id="sichuan-2025", version="1")
        run = execute(Run.objects.create(period=PERIOD, scheme_version=version, started_by=user))
        say(
            f"scoring run #{run.pk}: {run.status}, {run.n_enterprises} enterprises in "
            f"{run.report.get('timings_s', {}).get('total', 0):.1f} s"
        )
    from innopoints.applications.catalogue import load_offerings  # noqa: PLC0415

    load_offerings()  # example policies and products, matched when the demo list is published
    accounts = demo_accounts(run)
    _financing_loop(run, username, say)
    _supervision(username, say)
    _self_registration(username, say)
    say(f"sign in at http://127.0.0.1:{port}/ as {username} / {password} (platform admin)")
    for role, (name, secret) in accounts.items():
        say(f"  {role}: {name} / {secret}")
    say(
        f"  (all in {settings.DATA_DIR / 'demo-accounts.txt'}; "
        f"e-mails go to {settings.EMAIL_FILE_PATH})"
    )
    if sso is not None:
        from innopoints.ops import demo_sso  # noqa: PLC0415

        enterprise = Profile.objects.filter(user__username="enterprise").first()
        identities = demo_sso.register(
            sso, settings.DATA_DIR, enterprise.enterprise if enterprise else None
        )
        say(
            f"single sign-on: the test identity provider at {sso.issuer}; on the sign-in page "
            "choose 通过统一身份认证登录 and sign in there as"
        )
        for label, (name, secret, claim) in identities.items():
            say(f"  {label}: {name} / {secret} ({claim})")
        say(f"  (all in {settings.DATA_DIR / demo_sso.FILE})")
    say(f"data quality report: http://127.0.0.1:{port}/collection/quality/")
    say(
        f"scoring runs: http://127.0.0.1:{port}/scoring/runs/ (latest: "
        f"http://127.0.0.1:{port}/scoring/runs/{run.pk}/)"
    )
    say(f"data sources (API tokens, scheduled pulls): http://127.0.0.1:{port}/collection/sources/")
    if serve:
        if not settings.CELERY_BROKER_URL:
            collection_demo.pull_in_background()
        # static files through whitenoise, as in production (a path it does not serve, e.g.
        # /static/..%2f.., is then an ordinary 404), not Django's development file view
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_static_handler=False)
