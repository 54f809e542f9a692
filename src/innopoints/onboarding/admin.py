from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from innopoints.onboarding.models import DivisionPolicy, Registration


@admin.register(DivisionPolicy)
class DivisionPolicyAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ("region", "requires_approval", "updated_by", "updated_at")
    autocomplete_fields = ("region",)


@admin.register(Registration)
class RegistrationAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    list_display = ("enterprise", "email", "status", "existing_owner", "created_at")
    list_filter = ("status", "existing_owner")
    search_fields = ("enterprise__name", "enterprise__credit_code", "email")
    readonly_fields = [f.name for f in Registration._meta.concrete_fields if f.editable]

    def has_add_permission(self, request: object) -> bool:
        return False
