"""预授信参考 on a list a bank received: which of the bank's own loan products it is computed
for, and what of it the bank may see.

The product: among the bank's loan products on the shelf and in force, the first (oldest) one
matched on the list's run, else the first of them; none, no indication.

What is shown: the rate follows from the tier alone (the list shows the tier) and a capped
amount with no revenue rule is the product's own term, so both are shown for every enterprise;
an amount scaled from revenue would disclose the revenue, so it is shown only for enterprises
that authorised the bank (as on the product's page, offering_views._received).
"""

from __future__ import annotations

import dataclasses

from django.utils import timezone

from innopoints.applications.catalogue import offerings_in_force
from innopoints.applications.indication import Indication
from innopoints.applications.models import Match, Offering
from innopoints.registry.models import Institution
from innopoints.scoring.models import Run


def list_offering(institution: Institution, run_id: int | None) -> Offering | None:
    shelf = offerings_in_force(timezone.localdate()).filter(
        institution=institution, kind=Offering.Kind.LOAN
    )
    ids = list(shelf.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return None
    matched = set(
        Match.objects.filter(run_id=run_id, offering_id__in=ids)
        .values_list("offering_id", flat=True)
        .distinct()
    )
    chosen = next((pk for pk in ids if pk in matched), ids[0])
    return shelf.get(pk=chosen)


def amount_discloses_revenue(offering: Offering) -> bool:
    return bool((offering.terms or {}).get("amount"))


def list_indications(
    run: Run, offering: Offering, enterprise_ids: list[int], authorised: set[int]
) -> dict[int, Indication]:
    """enterprise id → what the bank may see of its indication under ``offering``."""
    from innopoints.applications.offering_views import indications  # noqa: PLC0415

    found = indications(run, offering, enterprise_ids)
    if not amount_discloses_revenue(offering):
        return found
    return {
        pk: ind if pk in authorised else dataclasses.replace(ind, amount=None)
        for pk, ind in found.items()
    }
