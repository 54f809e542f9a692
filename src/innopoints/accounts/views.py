"""Signing in and out, setting a password from an invitation link, and the admin's invitation
of institution users."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innopoints.accounts import invitations, sso
from innopoints.accounts.decorators import portal_required
from innopoints.accounts.models import Profile, Role
from innopoints.registry.models import Institution


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    extra_context = {"title": gettext_lazy("登录")}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "label_suffix": ""}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "sso_enabled": sso.enabled()}


class SetPasswordView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/set_password.html"
    success_url = reverse_lazy("accounts:login")
    extra_context = {"title": gettext_lazy("设置密码")}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "label_suffix": ""}

    def form_valid(self, form: forms.Form) -> HttpResponse:
        messages.success(self.request, _("密码已设置，请登录"))
        return super().form_valid(form)


class InviteInstitutionUserForm(forms.Form):
    institution = forms.ModelChoiceField(Institution.objects.all(), label=gettext_lazy("金融机构"))
    email = forms.EmailField(label=gettext_lazy("邮箱"))
    staff_id = forms.CharField(
        label=gettext_lazy("工号"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("可选：统一身份认证中的工号；填写后该用户也可通过统一身份认证登录"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if invitations.email_taken(email):
            raise forms.ValidationError(_("此邮箱已有账户"))
        return email

    def clean_staff_id(self) -> str:
        staff_id = str(self.cleaned_data.get("staff_id") or "").strip()
        if staff_id and Profile.objects.filter(staff_id=staff_id).exists():
            raise forms.ValidationError(_("此工号已登记给另一个账户"))
        return staff_id


@portal_required("accounts.invite_institution_user")
def invite_institution_user(request: HttpRequest) -> HttpResponse:
    form = InviteInstitutionUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitations.invite(
            request,
            email=form.cleaned_data["email"],
            role=Role.INSTITUTION,
            institution=form.cleaned_data["institution"],
            staff_id=form.cleaned_data["staff_id"],
        )
        messages.success(request, _("邀请已发送"))
        return HttpResponseRedirect(reverse("accounts:invite_institution_user"))
    return render(
        request,
        "accounts/invite.html",
        {
            "title": _("邀请金融机构用户"),
            "form": form,
            "invited": invitations.invited_by(request.user)
            .filter(profile__role=Role.INSTITUTION)
            .select_related("profile__institution"),
        },
    )
