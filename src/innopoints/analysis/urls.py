from django.urls import path

from innopoints.analysis import pool_editing, publicity_views, search, views

app_name = "analysis"
urlpatterns = [
    path("enterprises/", search.enterprise_search, name="enterprise-search"),
    path("enterprise/<int:enterprise_id>/portrait/", views.portrait_page, name="portrait"),
    path("enterprise/<int:enterprise_id>/dossier/", views.dossier_page, name="dossier"),
    path("enterprise/<int:enterprise_id>/dossier.pdf", views.dossier_pdf, name="dossier-pdf"),
    path("runs/<int:run_id>/boards/", views.board_list, name="boards"),
    path("boards/<int:pk>/", views.board_detail, name="board"),
    path("boards/<int:pk>/publish/", views.board_publish, name="board-publish"),
    path("boards/<int:pk>.xlsx", views.board_xlsx, name="board-xlsx"),
    path("publicity/", publicity_views.publicity_list, name="publicity-list"),
    path("publicity/<int:pk>/", publicity_views.publicity_detail, name="publicity"),
    path("boards/<int:board_id>/publicity/", publicity_views.publicity_new, name="publicity-new"),
    path("objections/<int:pk>/", publicity_views.objection_detail, name="objection"),
    path("objections/<int:pk>/run/", publicity_views.objection_run, name="objection-run"),
    path(
        "objections/<int:pk>/attachment/",
        publicity_views.objection_attachment,
        name="objection-attachment",
    ),
    path("runs/<int:run_id>/pools/", views.pools_page, name="pools"),
    path("runs/<int:run_id>/pools/<slug:code>/", views.pool_page, name="pool"),
    path("runs/<int:run_id>/pools/<slug:code>.xlsx", views.pool_xlsx, name="pool-xlsx"),
    path("pools/rules/", pool_editing.pool_rules, name="pool-rules"),
    path("pools/rules/new/", pool_editing.pool_rule_edit, name="pool-rule-new"),
    path("pools/rules/<slug:code>/", pool_editing.pool_rule_edit, name="pool-rule-edit"),
    path("runs/<int:run_id>/statistics/", views.statistics_page, name="statistics"),
    path("runs/<int:run_id>/statistics.xlsx", views.statistics_xlsx, name="statistics-xlsx"),
]
