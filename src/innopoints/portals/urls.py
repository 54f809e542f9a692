from django.urls import path

from innopoints.applications import views as applications_views
from innopoints.portals import (
    ent_disputes,
    enterprise,
    government,
    import_templates,
    institution,
    views,
)

app_name = "portals"
urlpatterns = [
    path("", views.home, name="home"),
    path("gov/", government.home, name="gov_home"),
    path("gov/import/", government.import_file, name="gov_import"),
    path("gov/import/columns/", import_templates.import_columns, name="gov_import_columns"),
    path(
        "gov/import/template/<slug:source>.xlsx",
        import_templates.import_template,
        name="gov_import_template",
    ),
    path("gov/import/<str:token>/", government.import_progress, name="gov_import_progress"),
    path("gov/import/<str:token>/state/", government.import_state, name="gov_import_state"),
    path("gov/import/<str:token>/errors.xlsx", government.import_errors, name="gov_import_errors"),
    path("gov/invite/", government.invite, name="gov_invite"),
    path("gov/boards/<int:board_id>/send/", government.send_list, name="gov_send_list"),
    path("gov/financing/", government.financing, name="gov_financing"),
    path("fin/", institution.home, name="fin_home"),
    path("fin/authorised/", institution.authorised, name="fin_authorised"),
    path("fin/search/", institution.search, name="fin_search"),
    path("fin/lists/<int:pk>/", institution.list_page, name="fin_list"),
    path("fin/lists/<int:pk>.xlsx", institution.list_xlsx, name="fin_list_xlsx"),
    path("fin/enterprise/<int:enterprise_id>/", institution.enterprise_file, name="fin_enterprise"),
    path(
        "fin/enterprise/<int:enterprise_id>/financing/",
        institution.financing_new,
        name="fin_financing_new",
    ),
    path("fin/financings/", institution.financings, name="fin_financings"),
    path("fin/outcomes/", institution.outcomes, name="fin_outcomes"),
    path("fin/financings/<int:pk>/", institution.financing_edit, name="fin_financing_edit"),
    path("ent/", enterprise.home, name="ent_home"),
    path("ent/assess/", enterprise.assess, name="ent_assess"),
    path("ent/authorisations/", enterprise.authorisations, name="ent_authorisations"),
    path("ent/authorisations/<int:pk>/revoke/", enterprise.revoke, name="ent_revoke"),
    path("ent/authorisations/<int:pk>/limit/", enterprise.limit, name="ent_limit"),
    path("ent/inbox/", enterprise.inbox, name="ent_inbox"),
    path("ent/disputes/", ent_disputes.index, name="ent_disputes"),
    path("ent/disputes/new/", ent_disputes.new, name="ent_dispute_new"),
    path("ent/disputes/<int:pk>/", ent_disputes.detail, name="ent_dispute"),
    path("ent/disputes/evidence/<int:pk>/", ent_disputes.evidence, name="ent_dispute_evidence"),
    path("ent/matches/", enterprise.matches, name="ent_matches"),
    path("ent/matches/<int:pk>/", enterprise.match_detail, name="ent_match"),
    path("ent/offerings/<int:pk>/", enterprise.offering_detail, name="ent_offering"),
    path("ent/push-settings/", enterprise.push_settings, name="ent_push_settings"),
    path("gov/uptake/", applications_views.uptake, name="gov_uptake"),
]
