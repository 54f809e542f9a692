"""The audit log: automatic entries for changes (with who, address and field changes), sign-in,
grants; nothing secret stored; rows that cannot be changed or deleted; the admin page for
platform administrators only, and its Excel export (itself logged)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import threading
from typing import Any

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from innopoints.audit import watch
from innopoints.audit.context import bound, current_request
from innopoints.audit.export import HEADERS
from innopoints.audit.log import record
from innopoints.audit.middleware import AuditContextMiddleware
from innopoints.audit.models import AuditEntry, ImmutableAuditEntryError
from innopoints.collection.importing import ImportOutcome
from innopoints.collection.models import Authorisation, ColumnAlias, DataSource, FactValue
from innopoints.registry.models import Enterprise
from tests.conftest import codes

ADDRESS = "10.20.30.40"
BROWSER = "Mozilla/5.0 (pytest)"


@pytest.fixture
def enterprise(db: Any) -> Enterprise:
    return Enterprise.objects.create(credit_code=codes(3)[0], name="成都审计测试科技有限公司")


@pytest.fixture
def tax(db: Any) -> DataSource:
    return DataSource.objects.get(code="tax")


@pytest.fixture
def boss_client(admin_user: Any) -> Client:
    client = Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=BROWSER)
    client.force_login(admin_user)
    return client


def entries(**filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


def everything_stored() -> str:
    """Every column of every entry, as text."""
    rows = AuditEntry.objects.values_list(
        "actor_name", "object_repr", "summary", "changes", "path", "user_agent"
    )
    return json.dumps([list(r) for r in rows], ensure_ascii=False, default=str)


# -- changes through the admin ----------------------------------------------------------------


def test_admin_create_update_delete_of_an_authorisation_is_logged(
    boss_client: Client, admin_user: Any, enterprise: Enterprise, tax: DataSource
) -> None:
    form = {
        "enterprise": enterprise.pk,
        "source": tax.pk,
        "institution": "",
        "scope": "[]",
        "valid_from": "2025-01-01",
        "valid_to": "",
        "revoked_at_0": "",
        "revoked_at_1": "",
    }
    add = boss_client.post(reverse("admin:collection_authorisation_add"), form)
    assert add.status_code == 302, add.content.decode()[:2000]
    grant = Authorisation.objects.get(enterprise=enterprise)

    [created] = entries(object_type="collection.authorisation", action="create")
    assert created.actor == admin_user and created.actor_name == "boss"
    assert created.actor_role == "admin"
    assert created.ip == ADDRESS and created.user_agent == BROWSER
    assert created.path == reverse("admin:collection_authorisation_add")
    assert created.object_id == str(grant.pk)
    assert created.enterprise == enterprise
    assert created.changes["valid_from"] == [None, "2025-01-01"]
    assert created.changes["source"] == [None, tax.pk]
    assert "valid_to" not in created.changes  # empty values are left out of a creation

    change_url = reverse("admin:collection_authorisation_change", args=[grant.pk])
    changed = boss_client.post(change_url, {**form, "valid_to": "2025-12-31"})
    assert changed.status_code == 302
    [updated] = entries(object_type="collection.authorisation", action="update")
    # only the changed field: the unchanged ones (and the JSON scope) do not show up
    assert updated.changes == {"valid_to": [None, "2025-12-31"]}
    assert "截止日期" in updated.summary
    assert updated.ip == ADDRESS and updated.actor == admin_user

    # saving the same values again is no change: no entry
    again = boss_client.post(change_url, {**form, "valid_to": "2025-12-31"})
    assert again.status_code == 302
    assert len(entries(object_type="collection.authorisation", action="update")) == 1

    delete_url = reverse("admin:collection_authorisation_delete", args=[grant.pk])
    assert boss_client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Authorisation.objects.filter(pk=grant.pk).exists()
    [deleted] = entries(object_type="collection.authorisation", action="delete")
    assert deleted.object_id == str(grant.pk) and deleted.enterprise == enterprise
    assert deleted.changes["valid_to"] == ["2025-12-31", None]
    assert deleted.actor_name == "boss" and deleted.ip == ADDRESS
    # the historical copies simple_history keeps are not logged again
    assert not AuditEntry.objects.filter(object_type__contains="historical").exists()


def test_changes_in_a_request_context_are_attributed_to_its_user(
    admin_user: Any, enterprise: Enterprise, tax: DataSource, settings: Any
) -> None:
    request = RequestFactory().get(
        "/portal/x", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="203.0.113.9, 192.0.2.7"
    )
    request.user = admin_user
    with bound(request):
        grant = Authorisation.objects.create(
            enterprise=enterprise, source=tax, valid_from=dt.date(2025, 1, 1)
        )
        read = record("view", obj=enterprise, summary="查看企业明细")
    [created] = entries(object_type="collection.authorisation")
    assert created.actor == admin_user and created.ip == "192.0.2.7"  # forwarded not trusted
    assert created.path == "/portal/x" and created.object_id == str(grant.pk)
    assert read.enterprise == enterprise and read.object_type == "registry.enterprise"
    assert read.actor_name == "boss" and read.summary == "查看企业明细"

    settings.INNOPOINTS_TRUST_X_FORWARDED_FOR = True
    with bound(request):
        trusted = record("export", enterprise=enterprise.pk, summary="导出")
    assert trusted.ip == "203.0.113.9" and trusted.enterprise == enterprise

    # outside a request: no user, no address
    alone = record("other", summary="定时任务")
    assert alone.actor is None and alone.actor_name == "" and alone.ip is None
    with pytest.raises(ValueError, match="unknown audit action"):
        record("peek")


def test_middleware_binds_the_request_per_request_thread_and_task() -> None:
    factory = RequestFactory()
    seen: dict[str, Any] = {}

    def view(request: Any) -> HttpResponse:
        seen[request.path] = current_request()
        return HttpResponse()

    middleware = AuditContextMiddleware(view)
    first = factory.get("/one")
    middleware(first)
    assert seen["/one"] is first and current_request() is None  # reset after the response

    # threads: each sees its own request while the other is inside its view
    barrier = threading.Barrier(2)

    def slow_view(request: Any) -> HttpResponse:
        barrier.wait(timeout=5)
        seen[request.path] = current_request()
        return HttpResponse()

    threaded = AuditContextMiddleware(slow_view)
    requests = [factory.get(f"/thread-{i}") for i in range(2)]
    workers = [threading.Thread(target=threaded, args=(r,)) for r in requests]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [seen[r.path] for r in requests] == requests

    # asyncio tasks likewise
    async def async_view(request: Any) -> HttpResponse:
        await asyncio.sleep(0.01)
        seen[request.path] = current_request()
        return HttpResponse()

    async_middleware = AuditContextMiddleware(async_view)
    tasks = [factory.get(f"/task-{i}") for i in range(3)]

    async def serve() -> None:
        await asyncio.gather(*(async_middleware(r) for r in tasks))

    asyncio.run(serve())
    assert [seen[r.path] for r in tasks] == tasks and current_request() is None


# -- sign-in ----------------------------------------------------------------------------------


def test_sign_in_failed_sign_in_and_sign_out_are_logged(admin_user: Any) -> None:
    client = Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=BROWSER)
    login = reverse("admin:login")
    secret = "Wrong-Secret-4711"
    failed = client.post(login, {"username": "boss", "password": secret})
    assert failed.status_code == 200  # the form again
    [attempt] = entries(action="login_failed")
    assert "boss" in attempt.summary and attempt.actor is None
    assert attempt.ip == ADDRESS and attempt.object_type == "auth.user"
    assert secret not in everything_stored()

    ok = client.post(login, {"username": "boss", "password": "pw"})
    assert ok.status_code == 302
    [signed_in] = entries(action="login")
    assert signed_in.actor == admin_user and signed_in.ip == ADDRESS
    # the sign-in stamps last_login on the user: not an entry of its own
    assert not entries(action="update", object_type="auth.user")

    assert client.post(reverse("admin:logout")).status_code in {200, 302}
    [signed_out] = entries(action="logout")
    assert signed_out.actor == admin_user


def test_password_hash_is_never_stored(db: Any) -> None:
    user = get_user_model().objects.create_user("clerk", "c@example.invalid", "First-Pass-1")
    first_hash = user.password
    [created] = entries(action="create", object_type="auth.user", object_id=str(user.pk))
    assert set(created.changes) <= set(watch.USER_FIELDS)
    assert created.changes["username"] == [None, "clerk"]

    user.set_password("Second-Pass-2")
    user.save()
    [changed] = entries(action="update", object_type="auth.user")
    assert changed.summary == "密码已更改" and changed.changes == {}

    user.email = "new@example.invalid"
    user.set_password("Third-Pass-3")
    user.save(update_fields=["email", "password"])
    latest = AuditEntry.objects.filter(object_type="auth.user").latest("id")
    assert latest.changes == {"email": ["c@example.invalid", "new@example.invalid"]}
    assert latest.summary.endswith("密码已更改")

    stored = everything_stored()
    for text in (first_hash, user.password, "First-Pass-1", "Second-Pass-2", "Third-Pass-3"):
        assert text not in stored
    assert "md5$" not in stored and "pbkdf2" not in stored


def test_grants_and_status_changes_are_permission_entries(user: Any) -> None:
    group = Group.objects.create(name="审核员")
    permission = Permission.objects.get(codename="add_authorisation")
    group.permissions.add(permission)
    [granted] = entries(action="permission", object_type="auth.group")
    assert granted.changes == {"permissions": [[], ["collection.add_authorisation"]]}

    user.groups.add(group)
    user.groups.add(group)  # already a member: nothing changes, nothing logged
    [joined] = entries(action="permission", object_type="auth.user")
    assert joined.changes == {"groups": [[], ["审核员"]]}
    assert "审核员" in joined.summary

    group.user_set.clear()  # from the other side
    left = AuditEntry.objects.filter(object_type="auth.group", action="permission").latest("id")
    assert left.changes == {"user_set": [["analyst"], []]}

    user.is_staff = False
    user.save()
    demoted = AuditEntry.objects.filter(object_type="auth.user").latest("id")
    assert demoted.action == "permission" and demoted.changes == {"is_staff": [True, False]}


# -- what is not logged -----------------------------------------------------------------------


def test_excluded_tables_produce_no_entries(
    enterprise: Enterprise, tax: DataSource, user: Any
) -> None:
    FactValue.objects.create(
        enterprise=enterprise, period="2025", field_code="rd_expense", value=1.0, source=tax
    )
    assert not entries(object_type="collection.factvalue")
    Authorisation.objects.create(enterprise=enterprise, source=tax, valid_from=dt.date(2025, 1, 1))
    assert len(entries(object_type="collection.authorisation")) == 1  # the same path logs

    ColumnAlias.objects.create(source=tax, header="研发投入A", field_code="rd_expense")
    assert len(entries(object_type="collection.columnalias")) == 1
    watch.exclude("collection.ColumnAlias")
    try:
        ColumnAlias.objects.create(source=tax, header="研发投入B", field_code="rd_expense")
        assert len(entries(object_type="collection.columnalias")) == 1
    finally:
        watch.include("collection.ColumnAlias")
    ColumnAlias.objects.create(source=tax, header="研发投入C", field_code="rd_expense")
    assert len(entries(object_type="collection.columnalias")) == 2


def test_an_import_is_logged_per_batch_not_per_value(registered: ImportOutcome) -> None:
    assert registered.n_values > 0 and registered.n_new_enterprises == 60
    assert not entries(object_type="collection.factvalue")
    assert not entries(object_type="registry.enterprise")
    batch_entries = entries(object_type="collection.importbatch")
    assert [e.action for e in batch_entries] == ["create", "update"]
    assert batch_entries[0].changes["file_name"] == [None, "samr.csv"]
    assert "content" not in batch_entries[0].changes  # the file itself is not copied
    # a handful for the batch, not one per value (the built-in schemes' versions are stored by
    # the migrations' sync and logged on their own)
    assert AuditEntry.objects.exclude(object_type="scoring.schemeversion").count() < 10, [
        (e.object_type, e.action) for e in AuditEntry.objects.all()
    ]


# -- append-only ------------------------------------------------------------------------------


def test_entries_cannot_be_changed_or_deleted_through_the_orm(db: Any) -> None:
    entry = record("other", summary="原文")
    entry.summary = "改写"
    with pytest.raises(ImmutableAuditEntryError):
        entry.save()
    with pytest.raises(ImmutableAuditEntryError):
        entry.delete()
    with pytest.raises(ImmutableAuditEntryError):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="改写")
    with pytest.raises(ImmutableAuditEntryError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(ImmutableAuditEntryError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).summary == "原文"


def test_the_database_refuses_updates(db: Any) -> None:
    entry = record("other", summary="原文")
    table = AuditEntry._meta.db_table
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET summary = %s WHERE id = %s", ["改写", entry.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET actor_name = %s", ["someone"])
    assert AuditEntry.objects.get(pk=entry.pk).summary == "原文"


def test_the_database_refuses_deletes_on_postgresql(db: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps no DELETE trigger: Django's flush deletes rows there")
    entry = record("other", summary="原文")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_deleting_a_user_or_an_enterprise_keeps_their_entries(
    admin_user: Any, user: Any, enterprise: Enterprise, tax: DataSource
) -> None:
    request = RequestFactory().get("/x", REMOTE_ADDR=ADDRESS)
    request.user = user
    with bound(request):
        looked = record("view", obj=enterprise)
        Authorisation.objects.create(
            enterprise=enterprise, source=tax, valid_from=dt.date(2025, 1, 1)
        )
    request.user = admin_user
    with bound(request):
        enterprise.delete()  # cascades to the authorisation
        user.delete()
    connection.check_constraints()  # the deferred foreign keys hold (checked at commit)

    looked = AuditEntry.objects.get(pk=looked.pk)
    assert looked.actor is None and looked.actor_name == "analyst"  # the name stays
    assert looked.enterprise is None and "成都审计测试科技有限公司" in looked.object_repr
    deletions = entries(action="delete")
    assert {e.object_type for e in deletions} >= {
        "registry.enterprise",
        "collection.authorisation",
        "auth.user",
    }
    assert all(e.actor == admin_user and e.enterprise is None for e in deletions)

    # the database allows only emptying those references, not pointing them elsewhere
    table = AuditEntry._meta.db_table
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET actor_id = %s WHERE id = %s", [admin_user.pk, looked.pk]
        )


# -- the admin page ---------------------------------------------------------------------------


def test_audit_page_is_for_platform_administrators_only(boss_client: Client, user: Any) -> None:
    record("other", summary="可见的条目")
    changelist = reverse("admin:audit_auditentry_changelist")
    page = boss_client.get(changelist)
    assert page.status_code == 200
    text = page.content.decode()
    assert "审计日志" in text and "可见的条目" in text and "导出 Excel" in text
    entry = AuditEntry.objects.get(summary="可见的条目")
    detail = boss_client.get(reverse("admin:audit_auditentry_change", args=[entry.pk]))
    assert detail.status_code == 200 and "可见的条目" in detail.content.decode()

    # read-only even for a superuser
    assert boss_client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    delete = reverse("admin:audit_auditentry_delete", args=[entry.pk])
    assert boss_client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:audit_auditentry_change", args=[entry.pk])
    boss_client.post(change, {"summary": "改写"})
    assert AuditEntry.objects.get(pk=entry.pk).summary == "可见的条目"

    # staff with the model's view permission is still refused: superusers only
    user.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
    staff = Client()
    staff.force_login(user)
    assert staff.get(changelist).status_code == 403
    assert staff.get(reverse("admin:audit_auditentry_export")).status_code == 403
    assert "审计日志" not in staff.get(reverse("admin:index")).content.decode()


def test_export_gives_the_filtered_rows_and_is_logged(
    boss_client: Client, admin_user: Any, enterprise: Enterprise
) -> None:
    record("view", enterprise=enterprise, actor=admin_user, summary="第一次查看")
    record("view", obj=enterprise, actor=admin_user, summary="第二次查看")
    record("other", summary="不在筛选内")
    record("login_failed", object_repr="=HYPERLINK(1)", summary="=1+1")
    wanted = list(AuditEntry.objects.filter(action="view"))  # newest first
    assert len(wanted) == 2

    url = reverse("admin:audit_auditentry_export")
    response = boss_client.get(url, {"action__exact": "view"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [str(h) for h in HEADERS]
    assert rows[0][:4] == ("时间", "操作人", "角色", "操作")
    assert len(rows) == 1 + len(wanted)
    for entry, row in zip(wanted, rows[1:], strict=True):
        assert row[1] == "boss" and row[2] == "平台管理员" and row[3] == "查看"
        assert row[7] == enterprise.name and row[8] == enterprise.credit_code
        assert row[9] == entry.summary
    assert [r[9] for r in rows[1:]] == ["第二次查看", "第一次查看"]

    [logged] = entries(action="export")
    assert logged.actor == admin_user and logged.ip == ADDRESS
    assert logged.summary.startswith("导出审计日志 2 条") and "action__exact=view" in logged.summary
    assert logged.object_type == "audit.auditentry"

    # a logged text that looks like a formula stays text in the workbook
    everything = boss_client.get(url, {"action__exact": "login_failed"})
    book = openpyxl.load_workbook(io.BytesIO(everything.content)).active
    cells = [c for c in next(book.iter_rows(min_row=2, max_row=2)) if c.value == "=1+1"]
    assert cells and all(c.data_type != "f" for c in cells)
    assert len(entries(action="export")) == 2
