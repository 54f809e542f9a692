"""The catalogue of policies and products: the example records (``offerings.yaml``), the
offerings in force on a day, and the reference rates in force."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

import yaml
from django.db.models import Q, QuerySet

from innopoints.applications.models import Offering, ReferenceRate
from innopoints.registry.models import Institution, Region


def example_data() -> dict[str, Any]:
    text = resources.files("innopoints.applications").joinpath("offerings.yaml").read_text("utf-8")
    return dict(yaml.safe_load(text))


def load_offerings(activate: bool = True) -> list[Offering]:
    """Store the example rates and offerings (idempotent, by code). An institution named in
    the file is found or created by name (a labelled example institution). Not loaded by a
    migration: example products must not be pushed to a production deployment's enterprises
    unless someone asks for them (the demo does; so does ``manage.py load_offerings``)."""
    data = example_data()
    for rate in data.get("rates", []):
        ReferenceRate.objects.update_or_create(
            code=rate["code"],
            as_of=rate["as_of"],
            defaults={
                "name": rate["name"],
                "value": rate["value"],
                "example": bool(rate.get("example", True)),
                "source": rate.get("source", ""),
            },
        )
    stored = []
    for spec in data.get("offerings", []):
        institution = None
        if spec.get("institution"):
            institution, _ = Institution.objects.get_or_create(
                name=spec["institution"]["name"], defaults={"kind": spec["institution"]["kind"]}
            )
        issuer = spec.get("issuer") or {}
        offering = Offering.objects.filter(code=spec["code"]).first() or Offering(code=spec["code"])
        offering.name = spec["name"]
        offering.kind = spec["kind"]
        offering.institution = institution
        offering.issuer_name = issuer.get("name", "")
        offering.issuer_region = Region.objects.get(code=issuer["region"]) if issuer else None
        offering.region = Region.objects.get(code=spec["region"]) if spec.get("region") else None
        offering.valid_from = spec["valid_from"]
        offering.valid_to = spec.get("valid_to")
        offering.active = activate and spec.get("active", True)
        offering.example = True
        offering.description = spec.get("description", "").strip()
        offering.source = spec.get("source", "").strip()
        offering.eligibility = spec.get("eligibility", [])
        offering.terms = spec.get("terms", {})
        offering.save()
        stored.append(offering)
    return stored


def offerings_in_force(day: dt.date) -> QuerySet[Offering]:
    return (
        Offering.objects.filter(
            active=True, review_state=Offering.Review.ON_SHELF, valid_from__lte=day
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .select_related("region", "institution")
    )


def rates_in_force(day: dt.date) -> dict[str, float]:
    """code → the latest value in effect on ``day`` (%)."""
    rates: dict[str, float] = {}
    for code, value in (
        ReferenceRate.objects.filter(as_of__lte=day)
        .order_by("code", "as_of")
        .values_list("code", "value")
    ):
        rates[code] = float(value)  # ordered by date: the last one wins
    return rates
