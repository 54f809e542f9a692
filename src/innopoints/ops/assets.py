"""The front-end files the pages use, from the npm packages ``./run`` installs
(``INNOPOINTS_ASSETS_DIR``, default ``node_modules``): only the files named here are served
and collected (axe-core, also installed, is injected by the browser tests, never served) — the
ECharts package ships 50 MB of builds and source maps the pages never load."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage

# served name → path inside the assets directory
FILES = {
    "vendor/echarts/echarts.min.js": "echarts/dist/echarts.min.js",
    "vendor/bootstrap/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "vendor/tom-select/tom-select.bootstrap5.min.css": (
        "tom-select/dist/css/tom-select.bootstrap5.min.css"
    ),
    "vendor/tom-select/tom-select.complete.min.js": "tom-select/dist/js/tom-select.complete.min.js",
    "vendor/htmx/htmx.min.js": "htmx.org/dist/htmx.min.js",
}
# the source maps the minified files name (collectstatic's manifest resolves every reference)
FILES |= {
    f"{name}.map": f"{source}.map"
    for name, source in FILES.items()
    if name.startswith(("vendor/bootstrap/", "vendor/tom-select/"))
}


class VendorFinder(BaseFinder):
    def _source(self, name: str) -> Path:
        return Path(settings.ASSETS_DIR) / FILES[name]

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        missing = [name for name in FILES if not self._source(name).is_file()]
        return [
            Error(
                f"front-end file {self._source(name)} is missing",
                hint="run `npm ci --omit=dev` (./run does) or set INNOPOINTS_ASSETS_DIR",
                id="innopoints.E001",
            )
            for name in missing
        ]

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> str | list[str]:
        found = str(self._source(path)) if path in FILES and self._source(path).is_file() else None
        if find_all or kwargs.get("all"):  # ``all`` until Django 6.1
            return [found] if found else []
        return found or []  # Django's finders answer [] for "not found"

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        for name in FILES:
            source = self._source(name)
            if source.is_file():
                storage = FileSystemStorage(location=str(source.parent))
                storage.prefix = str(Path(name).parent)  # type: ignore[attr-defined]
                yield source.name, storage
