"""The public pages of self-registration (no sign-in): the details, the e-mailed code, the
password; then the enterprise portal, or a page saying the registration waits for review."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from innopoints.onboarding import flow
from innopoints.onboarding.matching import normalise_code, normalise_mobile
from innopoints.onboarding.models import Registration, Status
from innopoints.registry.models import validate_credit_code

SESSION_KEY = "innopoints.onboarding.registration"
MISMATCH = gettext_lazy(
    "填写的信息与企业登记信息不一致，请核对统一社会信用代码和法定代表人姓名后重试"
)


class RegisterForm(forms.Form):
    credit_code = forms.CharField(
        label=gettext_lazy("统一社会信用代码"),
        max_length=40,
        help_text=gettext_lazy("18 位，见营业执照"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    legal_representative = forms.CharField(
        label=gettext_lazy("法定代表人姓名"),
        max_length=64,
        help_text=gettext_lazy("与市场监管部门登记的一致"),
    )
    email = forms.EmailField(
        label=gettext_lazy("联系邮箱"),
        help_text=gettext_lazy("验证码发送到此邮箱，开通后用它登录"),
    )
    mobile = forms.CharField(
        label=gettext_lazy("手机号码"),
        max_length=20,
        help_text=gettext_lazy("中国大陆手机号，11 位"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""

    def clean_credit_code(self) -> str:
        code = normalise_code(self.cleaned_data["credit_code"])
        validate_credit_code(code)
        return code

    def clean_mobile(self) -> str:
        mobile = normalise_mobile(self.cleaned_data["mobile"])
        if mobile is None:
            raise forms.ValidationError(_("请填写 11 位中国大陆手机号码"))
        return mobile


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("邮箱验证码"),
        max_length=6,
        min_length=6,
        help_text=gettext_lazy("6 位数字"),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": r"\d{6}"}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""


def _current(request: HttpRequest, *statuses: str) -> Registration | None:
    pk = request.session.get(SESSION_KEY)
    if pk is None:
        return None
    return (
        Registration.objects.select_related("enterprise").filter(pk=pk, status__in=statuses).first()
    )


def _restart(request: HttpRequest, message: str) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    messages.error(request, message)
    return HttpResponseRedirect(reverse("onboarding:register"))


@never_cache
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        limit = flow.take_attempt(request, data["credit_code"])
        if not limit.allowed:
            form.add_error(
                None,
                _("尝试次数过多，请在 %(minutes)s 分钟后再试") % {"minutes": limit.retry_minutes},
            )
        else:
            try:
                registration = flow.start(
                    request,
                    credit_code=data["credit_code"],
                    legal_representative=data["legal_representative"],
                    email=data["email"],
                    mobile=data["mobile"],
                )
            except flow.Mismatch:
                form.add_error(None, str(MISMATCH))
            except flow.Refused as refused:
                form.add_error("email", str(refused))
            else:
                request.session[SESSION_KEY] = registration.pk
                return HttpResponseRedirect(reverse("onboarding:verify"))
    return render(request, "onboarding/register.html", {"title": _("企业注册"), "form": form})


@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    registration = _current(request, Status.CODE_SENT)
    if registration is None:
        return HttpResponseRedirect(reverse("onboarding:register"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome, left = flow.verify(registration.pk, form.cleaned_data["code"])
        if outcome == flow.Verified.OK:
            return HttpResponseRedirect(reverse("onboarding:password"))
        if outcome == flow.Verified.EXPIRED:
            return _restart(request, _("验证码已过期，请重新填写"))
        if outcome == flow.Verified.LOCKED:
            return _restart(request, _("验证码错误次数过多，请重新填写"))
        form.add_error("code", _("验证码不正确，还可以再试 %(left)s 次") % {"left": left})
    return render(
        request,
        "onboarding/verify.html",
        {
            "title": _("验证邮箱"),
            "form": form,
            "registration": registration,
            "minutes": flow.code_minutes(),
        },
    )


@never_cache
def password(request: HttpRequest) -> HttpResponse:
    registration = _current(request, Status.VERIFIED)
    if registration is None:
        return HttpResponseRedirect(reverse("onboarding:register"))
    # the validators compare the password with the address (an account not yet saved)
    applicant = get_user_model()(username=registration.email, email=registration.email)
    form = SetPasswordForm(applicant, request.POST or None)
    form.label_suffix = ""
    if request.method == "POST" and form.is_valid():
        try:
            user = flow.choose_password(
                request, registration.pk, form.cleaned_data["new_password1"]
            )
        except flow.Refused as refused:
            return _restart(request, str(refused))
        if user is None:
            return HttpResponseRedirect(reverse("onboarding:submitted"))
        request.session.pop(SESSION_KEY, None)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("账户已开通，欢迎使用企业端"))
        return HttpResponseRedirect(reverse("portals:ent_home"))
    return render(
        request,
        "onboarding/password.html",
        {"title": _("设置密码"), "form": form, "registration": registration},
    )


@never_cache
def submitted(request: HttpRequest) -> HttpResponse:
    registration = _current(request, Status.PENDING, Status.OPENED, Status.REFUSED)
    if registration is None:
        return HttpResponseRedirect(reverse("onboarding:register"))
    return render(
        request,
        "onboarding/submitted.html",
        {"title": _("注册已提交审核"), "registration": registration},
    )
