"""`rexian restore FILE`: read a backup of `rexian backup` into the configured database and folders."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rexian.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "恢复：把 rexian backup 的备份读入当前配置的数据库和目录（请先停止 web 和 worker）。Restore a backup."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="备份文件 rexian-backup-….tar.gz")
        parser.add_argument(
            "--replace", action="store_true",
            help="当前数据库已有用户或工单时仍然覆盖。Overwrite a database that already holds data.",
        )

    def handle(self, *args, **options):
        try:
            result = backup_restore(options["path"], replace=options["replace"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"已恢复 {result.created_at} 的备份（{result.vendor}，{result.files} 个文件）。")
        if result.migrated:
            self.stdout.write(f"备份早于当前版本，已补做 {len(result.migrated)} 个数据库迁移。")
        if result.key_missing:
            self.stderr.write("警告：备份中的个人信息所用的数据密钥未在 REXIAN_DATA_KEY / REXIAN_OLD_DATA_KEYS 中配置，"
                              "姓名、电话等将无法读取。Warning: the backup's data key is not configured.")
        self.stdout.write(f"restored={options['path']} database={result.vendor} files={result.files} "
                          f"migrated={len(result.migrated)} key_missing={'yes' if result.key_missing else 'no'}")
