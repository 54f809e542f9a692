"""Scheduled pulls (issue 19 §5) against a real HTTP server started here on localhost: good,
bad (one malformed row), slow (past the time limit), failing (HTTP 500), unauthorised and
oversize answers. Nothing is stored from a refused delivery; a failure is retried after
5, 10, 20 … minutes; a refusal, a run of failures and a late delivery each raise one finding
of kind 「报送异常」 and an e-mail to the source's contact; pulling the same content again
stores nothing. The delivery status (targets/deliveries.py) reads refused deliveries."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from innopoints.accounts.models import Profile, Role
from innopoints.api import tokens
from innopoints.api.models import ApiToken
from innopoints.collection import pulls
from innopoints.collection.importing import ImportOutcome
from innopoints.collection.models import (
    DataSource,
    DeliveryAttempt,
    FactValue,
    Finding,
    SourceEndpoint,
)
from innopoints.registry.models import Institution, Region
from innopoints.targets import deliveries
from tests.platform.conftest import snapshot

SECRET = "s3cret-token-for-the-tax-bureau"


class Answers:
    """What the server answers on each path (set by each test), and what it was asked."""

    def __init__(self) -> None:
        self.bodies: dict[str, tuple[int, str, bytes]] = {}
        self.seen: list[tuple[str, str | None]] = []


def _handler(answers: Answers) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answers.seen.append((self.path, self.headers.get("Authorization")))
            path = self.path.split("?")[0]
            if path == "/slow":
                time.sleep(2.5)
            if path == "/private" and self.headers.get("Authorization") != f"Bearer {SECRET}":
                status, kind, body = 401, "text/plain", b"unauthorised"
            else:
                status, kind, body = answers.bodies.get(path, (404, "text/plain", b"not found"))
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (slow)
                pass

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[str, Answers]]:
    answers = Answers()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(answers))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", answers
    httpd.shutdown()
    httpd.server_close()


def _json(rows: list[dict[str, Any]]) -> tuple[int, str, bytes]:
    return 200, "application/json", json.dumps(rows, ensure_ascii=False).encode()


def _rows(codes: list[str], scale: float = 1) -> list[dict[str, Any]]:
    """The tax bureau's own column names, mapped by the endpoint."""
    return [
        {"nsrsbh": c, "yffy": (i + 1) * 10 * scale, "revenue": 1000 + i}
        for i, c in enumerate(codes)
    ]


MAPPING = {"nsrsbh": "credit_code", "yffy": "rd_expense"}


@pytest.fixture
def tax(registered: ImportOutcome, source: Callable[[str], DataSource]) -> DataSource:
    tax = source("tax")
    tax.contact_email = "data@tax.example.invalid"
    tax.save()
    return tax


def _endpoint(tax: DataSource, url: str, **extra: Any) -> SourceEndpoint:
    return SourceEndpoint.objects.create(
        source=tax,
        url=url,
        format=extra.pop("format", "json"),
        mapping=extra.pop("mapping", MAPPING),
        period="2025",
        timeout_seconds=extra.pop("timeout_seconds", 1),
        **extra,
    )


def test_good_pull_is_stored_with_its_provenance(
    tax: DataSource, server: tuple[str, Answers], credit_codes: list[str]
) -> None:
    url, answers = server
    answers.bodies["/tax/2025"] = _json(_rows(credit_codes))
    endpoint = _endpoint(tax, url + "/tax/{period}", auth="none")
    before = timezone.now()
    outcome = pulls.pull(endpoint)
    assert outcome.outcome == "imported", outcome.message
    batch = outcome.batch
    assert batch is not None
    assert (batch.n_rows, batch.n_values) == (60, 120)  # rd_expense and revenue of 60
    assert batch.endpoint == endpoint and batch.token is None
    assert batch.batch_key.startswith("pull-2025-") and batch.batch_key == pulls.batch_key(
        "2025", batch.sha256
    )
    fact = FactValue.objects.get(enterprise__credit_code=credit_codes[2], field_code="rd_expense")
    assert (fact.value, fact.source, fact.period, fact.batch) == (30.0, tax, "2025", batch)
    assert fact.batch.endpoint == endpoint and fact.recorded_at >= before
    assert answers.seen == [("/tax/2025", None)]
    endpoint.refresh_from_db()
    # the next pull one derived interval later: the tax bureau is a yearly source (168 h)
    assert pulls.frequency(tax) == "yearly"
    assert endpoint.next_pull_at - endpoint.last_pulled_at == dt.timedelta(hours=168)
    assert (endpoint.failures, endpoint.last_outcome) == (0, "imported")
    attempt = DeliveryAttempt.objects.get()
    assert (attempt.channel, attempt.outcome, attempt.batch) == ("pull", "imported", batch)
    assert Finding.objects.filter(kind="delivery").count() == 0 and mail.outbox == []


def test_pulling_the_same_content_again_stores_nothing(
    tax: DataSource, server: tuple[str, Answers], credit_codes: list[str]
) -> None:
    url, answers = server
    answers.bodies["/tax"] = _json(_rows(credit_codes))
    endpoint = _endpoint(tax, url + "/tax")
    first = pulls.pull(endpoint)
    assert first.outcome == "imported"
    before = snapshot()
    again = pulls.pull(endpoint)
    assert again.outcome == "replayed" and again.batch == first.batch
    assert snapshot() == before
    # other content is another batch, a second version of each changed value
    answers.bodies["/tax"] = _json(_rows(credit_codes, scale=2))
    third = pulls.pull(endpoint)
    assert third.outcome == "imported" and third.batch != first.batch
    fact = FactValue.objects.filter(
        enterprise__credit_code=credit_codes[0], field_code="rd_expense"
    ).order_by("version")
    assert [(f.value, f.version) for f in fact] == [(10.0, 1), (20.0, 2)]
    assert [a.outcome for a in DeliveryAttempt.objects.order_by("pk")] == [
        "imported",
        "replayed",
        "imported",
    ]


def test_bad_row_refuses_the_whole_delivery_with_finding_and_mail(
    tax: DataSource, server: tuple[str, Answers], credit_codes: list[str]
) -> None:
    url, answers = server
    rows = _rows(credit_codes)
    rows[41]["yffy"] = "一千二"  # row 42 of the batch: not a number
    answers.bodies["/tax"] = _json(rows)
    endpoint = _endpoint(tax, url + "/tax")
    before = snapshot()
    outcome = pulls.pull(endpoint)
    assert outcome.outcome == "refused"
    assert snapshot()[:3] == before[:3]  # no enterprise, value or batch
    attempt = outcome.attempt
    assert [p["row"] for p in attempt.problems] == [42]
    assert "研发费用" in attempt.problems[0]["column"]
    finding = Finding.objects.get(kind="delivery")
    assert (finding.rule, finding.responsible_source, finding.period, finding.enterprise) == (
        "delivery_refused",
        tax,
        "2025",
        None,
    )
    assert "第 42 行" in finding.message
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["data@tax.example.invalid"]
    assert "四川省税务局" in mail.outbox[0].subject and "第 42 行" in mail.outbox[0].body
    # the same refused content again: recorded, but no second finding or e-mail
    assert pulls.pull(endpoint).outcome == "refused"
    assert Finding.objects.filter(kind="delivery").count() == 1 and len(mail.outbox) == 1
    # the delivery status reads it: refused in every division, nothing received
    chengdu = Region.objects.get(code="510100")
    board = deliveries.board([chengdu], "2025", dt.date(2026, 3, 1), sources=[tax])
    assert board.cells[(tax.pk, "510100")].status == deliveries.REFUSED
    assert board.counts()[deliveries.REFUSED] == 1
    assert board.timeliness(chengdu) is None  # refused but not yet due (2026-06-30)
    late = deliveries.board([chengdu], "2025", dt.date(2026, 7, 1), sources=[tax])
    assert late.timeliness(chengdu) == 0.0


def test_a_field_the_source_does_not_own_is_refused(
    tax: DataSource, server: tuple[str, Answers], credit_codes: list[str]
) -> None:
    url, answers = server
    answers.bodies["/tax.csv"] = (
        200,
        "text/csv",
        ("nsrsbh,employees\n" + "".join(f"{c},5\n" for c in credit_codes[:3])).encode(),
    )
    endpoint = _endpoint(tax, url + "/tax.csv", format="csv")
    before = snapshot()
    outcome = pulls.pull(endpoint)
    assert outcome.outcome == "refused"
    assert snapshot()[:3] == before[:3]
    assert "不提供" in outcome.attempt.problems[0]["message"]


def test_good_csv_with_bearer_token(
    tax: DataSource, server: tuple[str, Answers], credit_codes: list[str]
) -> None:
    url, answers = server
    text = "nsrsbh,研发费用\n" + "".join(f"{c},{i}\n" for i, c in enumerate(credit_codes[:5]))
    answers.bodies["/private"] = (200, "text/csv", text.encode("gb18030"))
    endpoint = _endpoint(tax, url + "/private", format="csv", auth="bearer", secret="wrong")
    refused = pulls.pull(endpoint)
    assert refused.outcome == "refused" and "401" in refused.message  # an HTTP 4xx: no retry
    endpoint.refresh_from_db()
    assert endpoint.failures == 0
    assert endpoint.next_pull_at - endpoint.last_pulled_at == dt.timedelta(hours=168)
    endpoint.secret = SECRET
    endpoint.save()
    outcome = pulls.pull(endpoint)
    assert outcome.outcome == "imported", outcome.message
    assert outcome.batch is not None and outcome.batch.n_values == 5  # 0 is a value
    assert answers.seen[-1] == ("/private", f"Bearer {SECRET}")
    assert endpoint.masked_secret == "••••••" + SECRET[-4:]


def test_failure_is_retried_with_back_off_then_reported(
    tax: DataSource, server: tuple[str, Answers]
) -> None:
    url, answers = server
    answers.bodies["/down"] = (500, "text/plain", b"internal error")
    endpoint = _endpoint(tax, url + "/down", interval_hours=24)
    waits = []
    before = snapshot()
    for _ in range(pulls.MAX_FAILURES + 1):
        outcome = pulls.pull(endpoint)
        assert outcome.outcome == "failed" and "500" in outcome.message
        endpoint.refresh_from_db()
        waits.append(endpoint.next_pull_at - endpoint.last_pulled_at)
    assert waits == [dt.timedelta(minutes=m) for m in (5, 10, 20, 40, 80, 160)]
    assert endpoint.failures == pulls.MAX_FAILURES + 1
    assert snapshot()[:3] == before[:3]
    # one finding and one e-mail after the fifth failure in a row, not one per failure
    finding = Finding.objects.get(kind="delivery")
    assert finding.rule == "delivery_unreachable" and len(mail.outbox) == 1
    # an answer again: the count starts over
    answers.bodies["/down"] = _json([])
    pulls.pull(endpoint)
    endpoint.refresh_from_db()
    assert endpoint.failures == 0


def test_back_off_never_exceeds_the_interval() -> None:
    hour = dt.timedelta(hours=1)
    assert [pulls.backoff(n, hour) for n in (1, 2, 4, 5, 9)] == [
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=10),
        dt.timedelta(minutes=40),
        hour,
        hour,
    ]


def test_slow_answer_is_cut_at_the_time_limit(tax: DataSource, server: tuple[str, Answers]) -> None:
    url, answers = server
    answers.bodies["/slow"] = _json([])
    endpoint = _endpoint(tax, url + "/slow", timeout_seconds=1)
    started = time.perf_counter()
    outcome = pulls.pull(endpoint)
    assert time.perf_counter() - started < 2.4
    assert outcome.outcome == "failed" and "1 秒" in outcome.message
    endpoint.refresh_from_db()
    assert (endpoint.failures, endpoint.next_pull_at - endpoint.last_pulled_at) == (
        1,
        dt.timedelta(minutes=5),
    )


def test_oversize_answer_is_refused_unread(
    tax: DataSource, server: tuple[str, Answers], settings: Any
) -> None:
    settings.INNOPOINTS_MAX_IMPORT_BYTES = 1000
    url, answers = server
    answers.bodies["/big"] = (200, "application/json", b"[" + b" " * 5000 + b"]")
    outcome = pulls.pull(_endpoint(tax, url + "/big"))
    assert outcome.outcome == "refused" and "1,000" in outcome.message


def test_beat_pulls_only_due_endpoints(
    tax: DataSource, server: tuple[str, Answers], credit_codes: list[str], source: Any
) -> None:
    url, answers = server
    answers.bodies["/tax"] = _json(_rows(credit_codes[:3]))
    due = _endpoint(tax, url + "/tax")
    later = SourceEndpoint.objects.create(
        source=source("sti"),
        url=url + "/sti",
        period="2025",
        next_pull_at=timezone.now() + dt.timedelta(hours=1),
    )
    off = SourceEndpoint.objects.create(source=source("hrss"), url=url + "/h", enabled=False)
    outcomes = pulls.pull_due()
    assert [o.attempt.endpoint for o in outcomes] == [due]
    assert pulls.pull_due() == []  # pulled: due again in a week
    later.refresh_from_db()
    off.refresh_from_db()
    assert later.last_pulled_at is None and off.last_pulled_at is None


def test_period_and_interval_follow_the_frequency(
    tax: DataSource, source: Callable[[str], DataSource]
) -> None:
    endpoint = SourceEndpoint(source=tax, url="http://x.invalid/")
    assert pulls.period_for(endpoint, dt.date(2026, 3, 1)) == "2025"
    half = source("hrss")
    half.fields.update(frequency="half-yearly")
    semi = SourceEndpoint(source=half, url="http://x.invalid/")
    assert pulls.frequency(half) == "half-yearly"
    assert pulls.period_for(semi, dt.date(2026, 3, 1)) == "2025H2"
    assert pulls.period_for(semi, dt.date(2026, 7, 1)) == "2026H1"
    assert pulls.interval(semi) == dt.timedelta(hours=24)
    semi.interval_hours = 6
    assert pulls.interval(semi) == dt.timedelta(hours=6)


def test_late_delivery_raises_one_finding_and_mail(tax: DataSource) -> None:
    """Nothing of the tax bureau's 2025 data by 30 June 2026: on 1 July one finding and one
    e-mail; the market regulator delivered (the registration file) and gets none."""
    assert deliveries.flag_late(dt.date(2026, 6, 30)) == 0
    raised = deliveries.flag_late(dt.date(2026, 7, 1))
    late = Finding.objects.filter(kind="delivery", rule="delivery_late")
    assert tax in [f.responsible_source for f in late]
    assert "samr" not in [f.responsible_source.code for f in late]
    assert raised == late.count()
    assert [m.to for m in mail.outbox] == [["data@tax.example.invalid"]]  # the only contact
    assert "2026-06-30" in mail.outbox[0].body
    assert deliveries.flag_late(dt.date(2026, 7, 2)) == 0  # once per source and period


def test_source_reads_its_own_status_through_the_api(
    tax: DataSource, server: tuple[str, Answers], credit_codes: list[str], user: Any
) -> None:
    url, answers = server
    answers.bodies["/tax"] = _json(_rows(credit_codes))
    pulls.pull(_endpoint(tax, url + "/tax"))
    _, key = tokens.issue(tax, "税务共享平台", user)
    client = Client(headers={"Authorization": f"Bearer {key}"})
    answer = client.get("/api/v1/exchange/status?period=2025")
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert (data["source"], data["period"]) == ("tax", "2025")
    by_code = {d["division"]: d for d in data["divisions"]}
    assert by_code["510100"]["status"] in {"received", "late"}  # Chengdu's enterprises came
    assert by_code["510300"]["status"] in {"expected", "missing"}  # none in Zigong
    assert data["attempts"][0]["channel"] == "pull"
    # an API batch refused whole shows as a refused attempt
    body = {
        "period": "2024",
        "batch_key": "bad-1",
        "rows": [{"credit_code": credit_codes[0], "rd_expense": "x"}],
    }
    assert (
        client.post(
            "/api/v1/exchange/batches", json.dumps(body), content_type="application/json"
        ).status_code
        == 422
    )
    refused = client.get("/api/v1/exchange/status?period=2024").json()
    assert refused["attempts"][0]["outcome"] == "refused"
    assert {d["status"] for d in refused["divisions"]} == {"refused"}
    # the period checked; an institution's token refused; a revoked token stops at once
    assert client.get("/api/v1/exchange/status?period=20x5").status_code == 422
    bank = Institution.objects.create(name="测试银行", kind="bank")
    _, bank_key = tokens.issue(bank, "信贷系统", user)
    bank_client = Client(headers={"Authorization": f"Bearer {bank_key}"})
    assert bank_client.get("/api/v1/exchange/status?period=2025").status_code == 403
    tokens.revoke(ApiToken.objects.get(source=tax))
    assert client.get("/api/v1/exchange/status?period=2025").status_code == 401
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/exchange/status" in schema["paths"]


# ---------------------------------------------------------------- the government's pages


def _gov(name: str, code: str) -> Client:
    user = get_user_model().objects.create_user(name, f"{name}@example.invalid", "pw")
    Profile.objects.create(user=user, role=Role.GOVERNMENT, region=Region.objects.get(code=code))
    client = Client()
    client.force_login(user)
    return client


FORM = {
    "contact_email": "hr@hrss.example.invalid",
    "enabled": "on",
    "url": "http://127.0.0.1:9/hrss/{period}.json",
    "auth": "bearer",
    "username": "",
    "secret": SECRET,
    "format": "json",
    "mapping": "tyshxydm = 统一社会信用代码\nbysrs = 吸纳应届毕业生人数",
    "period": "",
    "interval_hours": "",
    "timeout_seconds": "20",
}


def test_province_sets_up_a_pull_in_the_portal(
    tax: DataSource, server: tuple[str, Answers], credit_codes: list[str]
) -> None:
    province = _gov("sichuan", "510000")
    listing = province.get(reverse("collection:sources"))
    assert listing.status_code == 200
    assert "人力资源社会保障厅" in listing.content.decode()
    url = reverse("collection:source", args=["hrss"])
    # a field the source does not deliver, by its name: refused naming it
    wrong = province.post(url, {**FORM, "mapping": "yffy = 研发费用"})
    assert wrong.status_code == 200
    assert "不提供“研发费用”" in wrong.content.decode()
    assert not SourceEndpoint.objects.exists()
    saved = province.post(url, FORM)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    endpoint = SourceEndpoint.objects.get(source__code="hrss")
    assert endpoint.mapping == {"tyshxydm": "credit_code", "bysrs": "graduates"}
    assert (endpoint.auth, endpoint.secret, endpoint.period) == ("bearer", SECRET, "")
    assert endpoint.source.contact_email == "hr@hrss.example.invalid"
    page = province.get(url).content.decode()
    assert SECRET not in page and "••••••" + SECRET[-4:] in page  # never shown back in full
    assert "bysrs = 吸纳应届毕业生人数" in page  # the mapping by names
    # saved again without the secret: kept
    assert province.post(url, {**FORM, "secret": ""}).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret == SECRET
    # a city reads the page but cannot change a source
    city = _gov("chengdu", "510100")
    assert city.get(url).status_code == 200
    assert "source-form" not in city.get(url).content.decode()
    assert city.post(url, {**FORM, "contact_email": "x@example.invalid"}).status_code == 403
    # pull now, from the page: the local server's answer, imported
    url_, answers = server
    answers.bodies["/tax"] = _json(_rows(credit_codes[:4]))
    _endpoint(tax, url_ + "/tax")
    pulled = province.post(reverse("collection:source-pull", args=["tax"]), follow=True)
    assert "已导入 4 行" in pulled.content.decode()
    assert city.post(reverse("collection:source-pull", args=["tax"])).status_code == 403


def test_a_delivery_finding_is_listed_and_closed_by_the_province(
    tax: DataSource, server: tuple[str, Answers]
) -> None:
    url, answers = server
    answers.bodies["/bad"] = (200, "application/json", b"{not json")
    pulls.pull(_endpoint(tax, url + "/bad"))
    finding = Finding.objects.get(kind="delivery")
    province = _gov("sichuan", "510000")
    listing = province.get(reverse("collection:findings")).content.decode()
    assert "报送异常" in listing and "JSON 无法解析" in listing
    page = province.get(reverse("collection:resolve", args=[finding.pk]))
    assert page.status_code == 200
    assert 'value="accept"' not in page.content.decode()
    closed = province.post(
        reverse("collection:resolve", args=[finding.pk]),
        {"action": "dismiss", "reason": "已电话联系税务局，接口已修复"},
    )
    assert closed.status_code == 302
    finding.refresh_from_db()
    assert finding.status == "dismissed"
    city = _gov("chengdu", "510100")
    assert "JSON 无法解析" not in city.get(reverse("collection:findings")).content.decode()
    assert city.get(reverse("collection:resolve", args=[finding.pk])).status_code == 403
