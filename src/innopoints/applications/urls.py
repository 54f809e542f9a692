from django.urls import path

from innopoints.applications import offering_views as views

app_name = "applications"
urlpatterns = [
    path("fin/offerings/", views.fin_offerings, name="fin_offerings"),
    path("fin/offerings/new/", views.fin_offering_form, name="fin_offering_new"),
    path("fin/offerings/preview/", views.fin_offering_preview, name="fin_offering_preview"),
    path("fin/offerings/<int:pk>/", views.fin_offering, name="fin_offering"),
    path("fin/offerings/<int:pk>/edit/", views.fin_offering_form, name="fin_offering_edit"),
    path("fin/offerings/<int:pk>/submit/", views.fin_offering_submit, name="fin_offering_submit"),
    path(
        "fin/offerings/<int:pk>/withdraw/",
        views.fin_offering_withdraw,
        name="fin_offering_withdraw",
    ),
    path("gov/offerings/", views.gov_offerings, name="gov_offerings"),
    path("gov/policies/", views.gov_policies, name="gov_policies"),
    path("gov/policies/new/", views.gov_policy_form, name="gov_policy_new"),
    path("gov/policies/preview/", views.gov_policy_preview, name="gov_policy_preview"),
    path("gov/policies/<int:pk>/", views.gov_policy, name="gov_policy"),
    path("gov/policies/<int:pk>/edit/", views.gov_policy_form, name="gov_policy_edit"),
    path("gov/offerings/<int:pk>/", views.gov_offering, name="gov_offering"),
]
