"""Scheduled pulls (定时拉取, issue 19 §5): the platform fetches a source's data from the
source's own HTTP endpoint (``SourceEndpoint``) and imports them through the file import
(``importing.import_file``) — the same all-or-nothing validation, row-level problems and
provenance, plus the endpoint that delivered the batch.

* **Schedule.** An endpoint is due when its ``next_pull_at`` has come (a new one at once).
  After a pull that got an answer the next is one interval later: the endpoint's own, else
  derived from the source's frequency (``interval``). The period pulled is the endpoint's own,
  else the latest one ended for the frequency (``period_for``).
* **Bounds.** Each pull has a time limit (the endpoint's ``timeout_seconds``, for the whole
  answer, not only each read) and a size bound (the file upload's, ``INNOPOINTS_MAX_IMPORT_BYTES``).
* **Idempotent.** The batch key is derived from the period and the digest of the content as
  imported, so pulling the same content again stores nothing (``replayed``).
* **Retries.** A pull that failed for want of an answer (no connection, time limit, HTTP 5xx
  or 429) is tried again after 5, 10, 20, … minutes (``backoff``; never later than the
  interval); after ``MAX_FAILURES`` in a row the source's contact is told.
* **Findings.** A refused delivery (the import's problems, a body not JSON/CSV, too large, an
  HTTP 4xx answer) and an endpoint not answering ``MAX_FAILURES`` times become a verification
  finding of kind 「报送异常」 assigned to the source and an e-mail to the source's contact
  (``raise_delivery_finding``; the same content refused twice, once). Every try is a
  ``DeliveryAttempt``, which the delivery status reads (targets/deliveries.py)."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from innopoints.audit.log import record
from innopoints.collection import messages
from innopoints.collection.importing import ImportRefused, import_file
from innopoints.collection.models import (
    DataSource,
    DeliveryAttempt,
    Finding,
    ImportBatch,
    SourceEndpoint,
)
from innopoints.engine.fields import base_catalogue

log = logging.getLogger(__name__)

TASK = "innopoints.collection.pull_due_sources"
MAX_FAILURES = 5
BACKOFF_BASE = dt.timedelta(minutes=5)
DERIVED_HOURS = {"yearly": 168, "half-yearly": 24}
FINDING_DUE_DAYS = 21
USER_AGENT = "innopoints-pull/1"


class PullFailed(Exception):
    """No usable answer. ``transient``: worth trying again soon (no connection, time limit,
    HTTP 5xx/429); otherwise the endpoint refused us (HTTP 4xx) or the body cannot be read."""

    def __init__(self, message: str, transient: bool) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient


@dataclass(frozen=True)
class PullOutcome:
    outcome: str  # imported, replayed, refused, failed
    message: str
    attempt: DeliveryAttempt
    batch: ImportBatch | None = None


def frequency(source: DataSource) -> str:
    """The source's delivery frequency: half-yearly when every field it delivers is, else
    yearly (what it owes at least once a year)."""
    kinds = set(source.fields.values_list("frequency", flat=True))
    return "half-yearly" if kinds == {"half-yearly"} else "yearly"


def period_for(endpoint: SourceEndpoint, today: dt.date | None = None) -> str:
    """The endpoint's own period, else the latest one that has ended: last year for a yearly
    source (2026-03-01 → 2025); the last half-year for a half-yearly one (→ 2025H2)."""
    if endpoint.period:
        return endpoint.period
    today = today or timezone.localdate()
    if frequency(endpoint.source) == "half-yearly":
        return f"{today.year}H1" if today.month > 6 else f"{today.year - 1}H2"
    return str(today.year - 1)


def interval(endpoint: SourceEndpoint) -> dt.timedelta:
    """The endpoint's own interval, else by frequency: weekly for a yearly source, daily for a
    half-yearly one."""
    hours = endpoint.interval_hours or DERIVED_HOURS[frequency(endpoint.source)]
    return dt.timedelta(hours=hours)


def backoff(failures: int, regular: dt.timedelta) -> dt.timedelta:
    """The wait after the ``failures``-th failure in a row: 5 min × 2^(failures − 1), never
    longer than the regular interval."""
    return min(BACKOFF_BASE * 2 ** max(failures - 1, 0), regular)


def max_bytes() -> int:
    return int(settings.INNOPOINTS_MAX_IMPORT_BYTES)


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects followed to http(s) addresses only (never ftp: or file:)."""

    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> Any:
        if not newurl.lower().startswith(("http://", "https://")):
            return None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


# http and https only: no file:, ftp: or data: handlers
OPENER = urllib.request.OpenerDirector()
for _handler in (
    urllib.request.ProxyHandler(),
    urllib.request.HTTPHandler(),
    urllib.request.HTTPSHandler(),
    urllib.request.HTTPDefaultErrorHandler(),
    _HttpOnlyRedirects(),
    urllib.request.HTTPErrorProcessor(),
):
    OPENER.add_handler(_handler)


def _request(endpoint: SourceEndpoint, period: str) -> urllib.request.Request:
    url = endpoint.url.replace("{period}", period)
    headers = {
        "Accept": "application/json" if endpoint.format == "json" else "text/csv",
        "User-Agent": USER_AGENT,
    }
    if endpoint.auth == "bearer":
        headers["Authorization"] = f"Bearer {endpoint.secret}"
    elif endpoint.auth == "basic":
        pair = f"{endpoint.username}:{endpoint.secret}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    return urllib.request.Request(url, headers=headers, method="GET")


def fetch(endpoint: SourceEndpoint, period: str) -> bytes:
    """The body of the endpoint's answer, within its time limit and the size bound; raises
    ``PullFailed`` otherwise."""
    limit = max_bytes()
    deadline = time.monotonic() + endpoint.timeout_seconds
    if not endpoint.url.lower().startswith(("http://", "https://")):
        raise PullFailed(_("接口地址须以 http:// 或 https:// 开头"), transient=False)
    try:
        with OPENER.open(_request(endpoint, period), timeout=endpoint.timeout_seconds) as answer:
            declared = answer.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise PullFailed(_too_big(int(declared), limit), transient=False)
            body = bytearray()
            while True:
                if time.monotonic() > deadline:
                    raise PullFailed(_timed_out(endpoint), transient=True)
                chunk = answer.read(1 << 16)
                if not chunk:
                    break
                body += chunk
                if len(body) > limit:
                    raise PullFailed(_too_big(len(body), limit), transient=False)
            return bytes(body)
    except urllib.error.HTTPError as error:
        transient = error.code >= 500 or error.code == 429
        raise PullFailed(
            _("接口返回 HTTP %(code)d（%(reason)s）")
            % {"code": error.code, "reason": error.reason},
            transient=transient,
        ) from None
    except TimeoutError:
        raise PullFailed(_timed_out(endpoint), transient=True) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise PullFailed(_timed_out(endpoint), transient=True) from None
        raise PullFailed(
            _("无法连接接口：%(reason)s") % {"reason": error.reason}, transient=True
        ) from None
    except OSError as error:  # connection reset and the like
        raise PullFailed(
            _("无法连接接口：%(reason)s") % {"reason": error}, transient=True
        ) from None


def _timed_out(endpoint: SourceEndpoint) -> str:
    return _("接口在 %(s)d 秒内未返回完整数据") % {"s": endpoint.timeout_seconds}


def _too_big(size: int, limit: int) -> str:
    return _("接口返回的数据超过 %(limit)s 字节的上限（至少 %(size)s 字节）") % {
        "limit": f"{limit:,}",
        "size": f"{size:,}",
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float, str)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)  # refused by the import as not a value


def _decode(body: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PullFailed(_("数据不是 UTF-8 或 GB18030 编码的文本"), transient=False)


def _table(endpoint: SourceEndpoint, body: bytes) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the answer: a JSON list of objects (or ``{"rows": [...]}``) or a
    CSV text with a header row."""
    if endpoint.format == "json":
        try:
            data = json.loads(_decode(body))
        except json.JSONDecodeError as error:
            raise PullFailed(_("JSON 无法解析：%(e)s") % {"e": error}, transient=False) from None
        rows = data.get("rows") if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise PullFailed(
                _("JSON 须为对象的列表，或含 rows 列表的对象（每个对象一家企业）"),
                transient=False,
            )
        headers: dict[str, None] = {}
        for row in rows:
            headers.update(dict.fromkeys(str(k) for k in row))
        columns = list(headers)
        return columns, [[_cell(row.get(c)) for c in columns] for row in rows]
    try:
        lines = list(csv.reader(io.StringIO(_decode(body), newline="")))
    except csv.Error as error:
        raise PullFailed(_("CSV 无法解析：%(e)s") % {"e": error}, transient=False) from None
    if not lines:
        raise PullFailed(_("CSV 为空，没有标题行"), transient=False)
    return lines[0], lines[1:]


def as_import_file(endpoint: SourceEndpoint, body: bytes) -> bytes:
    """The answer as the CSV file the import reads: the source's columns renamed by the
    endpoint's mapping to the fields' Chinese headers (a column not mapped keeps its header:
    a field code or Chinese header the import knows, or one it refuses naming it)."""
    headers, rows = _table(endpoint, body)
    catalogue = base_catalogue()
    named = {
        column: catalogue[code].header if code in catalogue else code
        for column, code in (endpoint.mapping or {}).items()
    }
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([named.get(h.strip(), h.strip()) for h in headers])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def batch_key(period: str, digest: str) -> str:
    """The batch key of a pulled batch: period and content digest, so the same content pulled
    again is the same batch."""
    return f"pull-{period}-{digest[:24]}"


def _claim(endpoint: SourceEndpoint, now: dt.datetime) -> bool:
    """Take the endpoint for this pull (another worker's beat finds it not due meanwhile)."""
    lease = now + dt.timedelta(seconds=endpoint.timeout_seconds * 2 + 60)
    return bool(
        SourceEndpoint.objects.filter(pk=endpoint.pk, next_pull_at=endpoint.next_pull_at).update(
            next_pull_at=lease
        )
    )


def due(now: dt.datetime | None = None) -> list[SourceEndpoint]:
    now = now or timezone.now()
    return list(
        SourceEndpoint.objects.filter(enabled=True)
        .filter(Q(next_pull_at__isnull=True) | Q(next_pull_at__lte=now))
        .select_related("source")
        .order_by("next_pull_at", "pk")
    )


def pull_due(now: dt.datetime | None = None) -> list[PullOutcome]:
    """Pull every endpoint that is due (the beat task, every few minutes)."""
    outcomes = []
    for endpoint in due(now):
        if not _claim(endpoint, now or timezone.now()):
            continue
        try:
            outcomes.append(pull(endpoint))
        except Exception:  # one source's fault must not stop the others
            log.exception("pull of %s failed", endpoint.source.code)
    return outcomes


def pull(endpoint: SourceEndpoint, today: dt.date | None = None) -> PullOutcome:
    """Pull the endpoint once now, import what it answered, record the attempt and schedule
    the next."""
    source = endpoint.source
    period = period_for(endpoint, today)
    regular = interval(endpoint)
    try:
        content = as_import_file(endpoint, fetch(endpoint, period))
    except PullFailed as failed:
        if failed.transient:
            return _failed(endpoint, period, failed.message, regular)
        return _refused(endpoint, period, failed.message, [], "", regular)
    digest = hashlib.sha256(content).hexdigest()
    key = batch_key(period, digest)
    earlier = ImportBatch.objects.filter(source=source, sha256=digest).first()
    if earlier is not None:
        return _finish(
            endpoint,
            period,
            "replayed",
            _("内容与批次 %(batch)s 相同，未重复导入") % {"batch": earlier.pk},
            regular,
            batch=earlier,
            key=key,
            digest=digest,
        )
    try:
        outcome = import_file(
            source, period, f"{source.code}-{key}.csv", content, batch_key=key, endpoint=endpoint
        )
    except ImportRefused as refused:
        problems = [
            {
                "row": p.row - 1 if p.row is not None and p.row > 1 else None,
                "column": p.column or None,
                "message": messages.reason(p.reason),
            }
            for p in refused.problems
        ]
        message = _("批次被拒收（%(n)d 个问题），未写入任何数据") % {"n": len(problems)}
        return _refused(endpoint, period, message, problems, digest, regular, key=key)
    except IntegrityError:  # the same content stored meanwhile by a parallel pull
        earlier = ImportBatch.objects.filter(source=source, sha256=digest).first()
        return _finish(endpoint, period, "replayed", _("内容未变"), regular, batch=earlier, key=key)
    record(
        "create",
        obj=outcome.batch,
        actor=None,
        summary=_("定时拉取 %(source)s %(period)s：%(rows)d 行，%(values)d 个数值")
        % {
            "source": source.name,
            "period": period,
            "rows": outcome.n_rows,
            "values": outcome.n_values,
        },
    )
    return _finish(
        endpoint,
        period,
        "imported",
        _("已导入 %(rows)d 行，%(values)d 个数值")
        % {"rows": outcome.n_rows, "values": outcome.n_values},
        regular,
        batch=outcome.batch,
        key=key,
        digest=digest,
    )


def _finish(
    endpoint: SourceEndpoint,
    period: str,
    outcome: str,
    message: str,
    wait: dt.timedelta,
    *,
    batch: ImportBatch | None = None,
    key: str = "",
    digest: str = "",
    problems: list[dict[str, Any]] | None = None,
    failures: int = 0,
) -> PullOutcome:
    now = timezone.now()
    attempt = DeliveryAttempt.objects.create(
        source=endpoint.source,
        period=period,
        channel="pull",
        outcome=outcome,
        endpoint=endpoint,
        batch=batch,
        batch_key=key,
        sha256=digest,
        message=message,
        problems=problems or [],
    )
    SourceEndpoint.objects.filter(pk=endpoint.pk).update(
        next_pull_at=now + wait,
        failures=failures,
        last_pulled_at=now,
        last_outcome=outcome,
        last_message=message[:2000],
    )
    endpoint.refresh_from_db()
    return PullOutcome(outcome, message, attempt, batch)


def _failed(
    endpoint: SourceEndpoint, period: str, message: str, regular: dt.timedelta
) -> PullOutcome:
    failures = endpoint.failures + 1
    result = _finish(
        endpoint, period, "failed", message, backoff(failures, regular), failures=failures
    )
    if failures == MAX_FAILURES:
        raise_delivery_finding(
            endpoint.source,
            period,
            "delivery_unreachable",
            _("连续 %(n)d 次未能从接口取得「%(source)s」%(period)s 的数据：%(m)s")
            % {"n": failures, "source": endpoint.source.name, "period": period, "m": message},
            {"url": endpoint.url, "attempt": result.attempt.pk, "failures": failures},
        )
    return result


def _refused(
    endpoint: SourceEndpoint,
    period: str,
    message: str,
    problems: list[dict[str, Any]],
    digest: str,
    regular: dt.timedelta,
    key: str = "",
) -> PullOutcome:
    result = _finish(
        endpoint, period, "refused", message, regular, key=key, digest=digest, problems=problems
    )
    first = "; ".join(
        (_("第 %(row)s 行 ") % {"row": p["row"]} if p.get("row") else "")
        + (f"{p['column']}：" if p.get("column") else "")
        + p["message"]
        for p in problems[:5]
    )
    raise_delivery_finding(
        endpoint.source,
        period,
        "delivery_refused",
        _("「%(source)s」%(period)s 的拉取数据被拒收：%(m)s")
        % {"source": endpoint.source.name, "period": period, "m": message}
        + (f"（{first}）" if first else ""),
        {
            "attempt": result.attempt.pk,
            "sha256": digest,
            "problems": problems[:50],
            "reason": message,
        },
        once_per=digest or message,
    )
    return result


def raise_delivery_finding(
    source: DataSource,
    period: str,
    rule: str,
    message: str,
    detail: dict[str, Any],
    once_per: str = "",
) -> Finding | None:
    """A finding of kind 「报送异常」 for the source and period, and an e-mail to the source's
    contact; None (and no e-mail) when the same one was raised before (``rule`` for the source
    and period, and ``once_per`` — e.g. the refused content's digest — when given)."""
    same = Finding.objects.filter(
        kind="delivery", rule=rule, responsible_source=source, period=period
    )
    if once_per:
        same = same.filter(detail__once_per=once_per)
    if same.exists():
        return None
    with transaction.atomic():
        finding = Finding.objects.create(
            kind="delivery",
            rule=rule,
            enterprise=None,
            period=period,
            field_code="",
            message=message,
            detail={**detail, "once_per": once_per},
            responsible_source=source,
            due_on=timezone.localdate() + dt.timedelta(days=FINDING_DUE_DAYS),
        )
        record(
            "create",
            obj=finding,
            actor=None,
            summary=_("报送异常：%(m)s") % {"m": message[:300]},
        )
    if source.contact_email:
        send_mail(
            _("数据报送异常：%(source)s · %(period)s") % {"source": source.name, "period": period},
            _(
                "%(message)s\n\n核验问题编号 %(pk)s，请于 %(day)s 前处理（重新报送或联系平台）。"
                "按时报送的数据才会进入积分测算。"
            )
            % {
                "message": message,
                "pk": finding.pk,
                "day": finding.due_on.isoformat() if finding.due_on else "",
            },
            None,
            [source.contact_email],
        )
    return finding
