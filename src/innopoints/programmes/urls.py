from django.urls import path

from innopoints.programmes import views

app_name = "programmes"
urlpatterns = [
    path("gov/", views.gov_programmes, name="gov_programmes"),
    path("gov/programme/", views.gov_programme_form, name="gov_programme_form"),
    path("gov/ledger/", views.gov_ledger, name="gov_ledger"),
    path("gov/filings/", views.gov_filings, name="gov_filings"),
    path("gov/claims/", views.gov_claims, name="gov_claims"),
    path("gov/subsidies/", views.gov_subsidies, name="gov_subsidies"),
    path("gov/financings.json", views.gov_financing_options, name="gov_financing_options"),
    path("gov/scheme/", views.gov_scheme_form, name="gov_scheme_form"),
    path("gov/awards/", views.gov_awards, name="gov_awards"),
    path("gov/relending.xlsx", views.gov_relending, name="gov_relending_xlsx"),
    path("fin/filings/", views.fin_filings, name="fin_filings"),
    path("fin/filings/new/", views.fin_filing_new, name="fin_filing_new"),
    path("fin/claims/", views.fin_claims, name="fin_claims"),
    path("fin/claims/new/", views.fin_claim_new, name="fin_claim_new"),
]
