from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from innopoints.collection.importing import ImportRefused, import_file
from innopoints.collection.models import DataSource


class Command(BaseCommand):
    help = "导入一个数据来源在一个数据期的文件（CSV/XLSX），全部导入或全部不导入。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True, help="数据来源代码，如 tax、sti、samr")
        parser.add_argument("--period", required=True, help="数据期，如 2025 或 2025H1")
        parser.add_argument("--errors", type=Path, help="文件被拒绝时，把错误报告（XLSX）写到这里")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        source = DataSource.objects.filter(code=options["source"], manual=False).first()
        if source is None:
            codes = ", ".join(
                DataSource.objects.filter(manual=False).values_list("code", flat=True)
            )
            raise CommandError(f"没有数据来源 {options['source']!r}；可选：{codes}")
        if not path.exists():
            raise CommandError(f"{path}: 文件不存在")
        console = Console(stderr=True)
        with Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("读取", total=1.0)

            def progress(stage: str, fraction: float) -> None:
                bar.update(task, completed=fraction, description=stage)

            try:
                outcome = import_file(
                    source, options["period"], path.name, path.read_bytes(), progress=progress
                )
            except ImportRefused as refused:
                for problem in refused.problems:
                    self.stderr.write(f"{path.name}: {problem.describe()}")
                if options["errors"] and refused.error_report is not None:
                    Path(options["errors"]).write_bytes(refused.error_report)
                    self.stderr.write(f"错误报告已写入 {options['errors']}")
                raise CommandError(
                    f"{path.name}: {len(refused.problems)} 个问题，未导入任何数据"
                ) from None
        self.stdout.write(
            f"{path.name}: 导入 {outcome.n_rows} 行、{outcome.n_values} 个数值，新登记企业 "
            f"{outcome.n_new_enterprises} 家，核验问题 {outcome.n_findings} 个，"
            f"用时 {outcome.seconds:.2f} 秒（批次 {outcome.batch.pk}）"
        )
