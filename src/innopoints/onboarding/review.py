"""辖区企业注册审核: the registrations of the jurisdiction's enterprises that wait for review,
decided one by one; and the divisions' setting whether self-registrations need review."""

from __future__ import annotations

from typing import Any

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innopoints.accounts import scope
from innopoints.accounts.decorators import government_required, require
from innopoints.onboarding import flow
from innopoints.onboarding.models import DivisionPolicy, Registration, Status
from innopoints.registry.models import Region
from innopoints.site import names
from innopoints.site.listing import Listing, Table


def governed_registrations(user: Any) -> QuerySet[Registration]:
    """Registrations that reached the review or were decided (not the unfinished ones)."""
    rows = Registration.objects.filter(
        scope.enterprise_filter(user),
        status__in=[Status.PENDING, Status.OPENED, Status.REFUSED],
        submitted_at__isnull=False,
    )
    return rows.select_related("enterprise", "enterprise__region", "decided_by")


class RegistrationTable(Table):
    enterprise = tables.Column(
        verbose_name=gettext_lazy("企业"), accessor="enterprise__name", linkify=False
    )
    region = tables.Column(
        verbose_name=gettext_lazy("所在地区"), accessor="enterprise__region__name"
    )
    email = tables.Column(verbose_name=gettext_lazy("联系邮箱"))
    existing_owner = tables.Column(verbose_name=gettext_lazy("已有账号"))
    status = tables.Column(verbose_name=gettext_lazy("状态"))
    submitted_at = tables.DateTimeColumn(
        verbose_name=gettext_lazy("提交审核时间"), format="Y-m-d H:i"
    )

    class Meta(Table.Meta):
        attrs = {"class": "table table-sm table-hover align-middle", "id": "registrations"}
        empty_text = gettext_lazy("暂无")

    def render_enterprise(self, record: Registration) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("onboarding:review", args=[record.pk]),
            record.enterprise.name,
        )

    def render_region(self, record: Registration) -> str:
        return names.region_name(record.enterprise.region_id)

    def value_region(self, record: Registration) -> str:
        return names.region_name(record.enterprise.region_id)

    def value_enterprise(self, record: Registration) -> str:
        return record.enterprise.name

    def render_existing_owner(self, record: Registration) -> str:
        return names.yes_no(record.existing_owner)

    def value_existing_owner(self, record: Registration) -> str:
        return names.yes_no(record.existing_owner)


class RegistrationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("状态"),
        choices=[(s.value, s.label) for s in (Status.PENDING, Status.OPENED, Status.REFUSED)],
    )

    class Meta:
        model = Registration
        fields = ["status"]


@government_required
def review_list(request: HttpRequest) -> HttpResponse:
    rows = governed_registrations(request.user)
    pending = rows.filter(status=Status.PENDING).count()
    listing = Listing.build(
        request,
        RegistrationTable,
        rows.order_by("-submitted_at"),
        filters=RegistrationFilter,
        export_name="registrations",
    )
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "onboarding/review_list.html",
        {"title": _("辖区企业注册审核"), "listing": listing, "pending": pending},
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("不予通过的理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("将通过邮件告知企业"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""


@government_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_object_or_404(
        Registration.objects.select_related("enterprise", "enterprise__region", "decided_by"),
        pk=pk,
    )
    require(request, "onboarding.review_registration", registration)
    refuse_form = RefuseForm(request.POST if request.POST.get("decision") == "refuse" else None)
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "approve":
                flow.approve(request, registration.pk, request.user)
                messages.success(request, _("已批准，账户已开通并已邮件通知企业"))
                return HttpResponseRedirect(reverse("onboarding:review_list"))
            if request.POST.get("decision") == "refuse" and refuse_form.is_valid():
                flow.refuse(
                    request, registration.pk, request.user, refuse_form.cleaned_data["reason"]
                )
                messages.success(request, _("已不予通过，并已邮件通知企业"))
                return HttpResponseRedirect(reverse("onboarding:review_list"))
        except flow.Refused as refused:
            messages.error(request, str(refused))
            return HttpResponseRedirect(reverse("onboarding:review", args=[registration.pk]))
    enterprise = registration.enterprise
    return render(
        request,
        "onboarding/review.html",
        {
            "title": _("企业注册审核：%(name)s") % {"name": enterprise.name},
            "registration": registration,
            "enterprise": enterprise,
            "owners": flow.owners(enterprise).order_by("date_joined"),
            "name_differs": registration.legal_representative.strip()
            != enterprise.legal_representative.strip(),
            "refuse_form": refuse_form,
        },
    )


class RegionSearchSelect(forms.Select):
    """The page carries only the chosen division; Tom Select asks the division search
    (``scoring:regions``, the user's own divisions by name) for the rest as one types — the
    admin governs the whole country."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        code = str(value or "")
        self.choices = [(code, names.region_name(code))] if code else [("", _("请选择地区"))]
        return super().get_context(name, value, attrs)


class PolicyForm(forms.Form):
    region = forms.ModelChoiceField(
        Region.objects.none(),
        label=gettext_lazy("行政区划"),
        help_text=gettext_lazy("输入地区名称查找"),
        widget=RegionSearchSelect,
    )
    requires_approval = forms.BooleanField(
        label=gettext_lazy("企业注册需经审核"),
        required=False,
        help_text=gettext_lazy("对本地区及未单独设置的下级地区生效"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        field = self.fields["region"]
        assert isinstance(field, forms.ModelChoiceField)
        # the own division and those below it (counties included: a district may ask for it)
        field.queryset = scope.governed_regions(user)
        field.widget.attrs.update(
            {"data-search": "on", "data-search-url": reverse("scoring:regions")}
        )
        own = scope.region_of(user)
        if own is not None:
            field.initial = own.pk  # the user's own division first


@government_required
def policies(request: HttpRequest) -> HttpResponse:
    form = PolicyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        region = form.cleaned_data["region"]
        require(request, "onboarding.set_policy", region)
        DivisionPolicy.objects.update_or_create(
            region=region,
            defaults={
                "requires_approval": form.cleaned_data["requires_approval"],
                "updated_by": request.user,
            },
        )
        messages.success(request, _("已保存"))
        return HttpResponseRedirect(reverse("onboarding:policies"))
    own = scope.region_of(request.user)
    prefix = scope.region_prefix(request.user) or ""
    rows = (
        DivisionPolicy.objects.filter(region__code__startswith=prefix)
        .select_related("region", "updated_by")
        .order_by("region")
    )
    return render(
        request,
        "onboarding/policies.html",
        {
            "title": _("注册审核设置"),
            "form": form,
            "rows": rows,
            "own": own,
            "own_required": flow.requires_approval(own) if own is not None else None,
        },
    )
