from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from innopoints.registry.models import Enterprise, IndustryField, Institution, Qualification, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(IndustryField)
class IndustryFieldAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "group")
    list_filter = ("group",)


class QualificationInline(admin.TabularInline):
    model = Qualification
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    list_display = ("credit_code", "name", "legal_representative", "established", "region")
    search_fields = ("credit_code", "name", "legal_representative", "initials")
    list_filter = ("region__level",)
    autocomplete_fields = ("region",)
    filter_horizontal = ("industry_fields",)
    inlines = [QualificationInline]
    readonly_fields = ("initials", "registered_by", "created_at")


@admin.register(Qualification)
class QualificationAdmin(SimpleHistoryAdmin):
    list_display = ("enterprise", "kind", "valid_from", "valid_to")
    list_filter = ("kind",)
    search_fields = ("enterprise__name", "enterprise__credit_code")
    autocomplete_fields = ("enterprise",)


@admin.register(Institution)
class InstitutionAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind")
    list_filter = ("kind",)
    search_fields = ("name",)
