"""`rexian backup`: the database, the attachments and the trained models in one file (rexian/core/backup.py)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rexian.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "备份：数据库、附件和模型写入一个文件（不含数据密钥）。Back up the database, attachments and models."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, default=None,
            help="备份目录（默认 REXIAN_DATA_DIR/backups）。Where to write the backup.",
        )

    def handle(self, *args, **options):
        output = options["output"] or Path(settings.DATA_DIR) / "backups"
        try:
            result = backup_create(output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"已备份到 {result.path}（{result.vendor}，{result.files} 个文件）。"
                          "数据密钥未包含在内，请另行妥善保管。")
        self.stdout.write(f"backup={result.path} database={result.vendor} files={result.files} bytes={result.size}")
