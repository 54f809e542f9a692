"""Fingerprints of a run's results, the same in any process and any database holding them:
used to show that a restored backup re-computes a run bit-identically."""

from __future__ import annotations

import hashlib
import json

from innopoints.scoring.models import Result, ResultBlock, Run, block_matrix


def fingerprint(run: Run) -> str:
    """SHA-256 over every result in enterprise order: totals, ranks, tier, the packed breakdown
    (float64 bytes) and the category scores (floats as their exact hex)."""
    digest = hashlib.sha256()
    rows = (
        Result.objects.filter(run=run)
        .order_by("enterprise__credit_code")
        .values_list(
            "enterprise__credit_code",
            "base",
            "bonus",
            "total",
            "rank",
            "tier",
            "vetoed",
            "block",
            "slot",
            "categories",
        )
    )
    layout = run.report["breakdown_layout"]
    blocks = {
        index: block_matrix(bytes(values), layout)
        for index, values in ResultBlock.objects.filter(run=run).values_list("index", "values")
    }
    for code, base, bonus, total, rank, tier, vetoed, block, slot, categories in rows:
        breakdown = blocks[block][slot].tobytes()
        numbers = "|".join(float(x).hex() for x in (base, bonus, total))
        cats = json.dumps(
            {k: float(v).hex() for k, v in sorted((categories or {}).items())}, sort_keys=True
        )
        digest.update(f"{code}|{numbers}|{rank}|{tier}|{vetoed}|{cats}|".encode())
        digest.update(bytes(breakdown))
    return digest.hexdigest()


def recompute(period: str, scheme_id: str) -> tuple[str, str]:
    """A new run over the database's facts: (its fingerprint, its input digest)."""
    from innopoints.scoring import execution  # noqa: PLC0415
    from innopoints.scoring.models import SchemeVersion  # noqa: PLC0415

    version = SchemeVersion.objects.filter(scheme_id=scheme_id).order_by("-created_at").first()
    run = execution.execute(Run.objects.create(period=period, scheme_version=version))
    assert run.status == "done", run.error
    return fingerprint(run), run.input_digest


def main(run_id: int) -> None:
    """In a process with the settings from the environment: the restored run's fingerprint,
    a new run's and its input digest, as one JSON line."""
    original = Run.objects.get(pk=run_id)
    again, digest = recompute(original.period, original.scheme_version.scheme_id)
    print(json.dumps({"restored": fingerprint(original), "recomputed": again, "input": digest}))
