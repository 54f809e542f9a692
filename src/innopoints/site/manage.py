"""Django's command line for the platform: ``innopoints manage <command>``."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "innopoints.site.settings")
    from django.core.management import execute_from_command_line  # noqa: PLC0415

    execute_from_command_line(["innopoints manage", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
