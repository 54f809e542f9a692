"""The demo's data-exchange delivery: the 经济和信息化厅 (``collection.demo.API_SOURCE``) gets
a source token and delivers its batch as a CSV body through ``POST /api/v1/exchange/batches``
— the whole request path (authentication, size bound, the import, the receipt), in process.
The token is kept in ``var/demo-source-token.txt`` so a visitor can try the API with it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client

from innopoints.api import tokens
from innopoints.collection.demo import API_SOURCE
from innopoints.collection.models import DataSource, ImportBatch

CONTACT = "data@miit.example.invalid"


def deliver_by_api(path: Path, period: str, user: Any, say: Callable[[str], None]) -> bool:
    """Deliver the file at ``path`` as the API source's batch; False when it was already."""
    source = DataSource.objects.get(code=API_SOURCE)
    key = f"{API_SOURCE}-{period}-0001"
    if ImportBatch.objects.filter(source=source, batch_key=key).exists():
        return False
    if not source.contact_email:
        source.contact_email = CONTACT
        source.save(update_fields=["contact_email"])
    _token, secret = tokens.issue(source, "演示：经信厅数据交换平台", user)
    saved = settings.DATA_DIR / "demo-source-token.txt"
    saved.write_text(f"{API_SOURCE}\t{secret}\n", encoding="utf-8")
    saved.chmod(0o600)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {secret}")
    answer = client.post(
        f"/api/v1/exchange/batches?period={period}&batch_key={key}",
        path.read_bytes(),
        content_type="text/csv",
    )
    if answer.status_code not in (200, 201):
        raise RuntimeError(
            f"the demo's API batch was refused: {answer.status_code} {answer.content[:500]!r}"
        )
    receipt = answer.json()
    say(
        f"{source.name}: delivered by the data exchange API (batch {key}): "
        f"{receipt['rows']} rows, {receipt['values']} values"
    )
    return True
