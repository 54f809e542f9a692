from django.urls import path

from innopoints.lending import division, views

app_name = "lending"
urlpatterns = [
    path("bank/", views.bank_list, name="bank_list"),
    path("bank/<int:pk>/", views.bank_detail, name="bank_detail"),
    path("bank/<int:pk>/dossier.pdf", views.bank_dossier, name="bank_dossier"),
    path("bank/invitations/", views.bank_invitations, name="bank_invitations"),
    path("mine/", views.ent_list, name="ent_list"),
    path("mine/<int:pk>/", views.ent_detail, name="ent_detail"),
    path("mine/invitations/", views.ent_invitations, name="ent_invitations"),
    path("mine/invitations/<int:pk>/answer/", views.ent_answer, name="ent_answer"),
    path("mine/portrait/", views.ent_portrait, name="ent_portrait"),
    path("mine/dossier.pdf", views.ent_dossier, name="ent_dossier"),
    path("mine/<int:pk>/upload/", views.ent_upload, name="ent_upload"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("apply/<int:offering_id>/", views.apply, name="apply"),
    path("gov/", division.gov_list, name="gov_list"),
]
