"""Backup and restore (备份与恢复) of a whole installation: `rexian backup` and `rexian restore`.

A backup is one file, `rexian-backup-YYYYmmdd-HHMMSS.tar.gz`, written with mode 0600 and only once complete (under
a temporary name until then), holding:

* `manifest.json`: when and from which database it was made, the migrations applied, the id of the data key the
  personal data is encrypted with (never the key: a backup kept beside its key is readable by whoever holds both);
* the database: SQLite through its online backup API (a consistent snapshot while the services run, WAL included),
  PostgreSQL through `pg_dump --format=custom`;
* `media/`: the attachments and report files, when they are stored on local disk (a bucket keeps its own copies);
* `models/`: the trained models (`rexian train` can make them again, but a restored centre suggests at once).

Restoring reads such a file into the configured database and folders. Before it changes anything it refuses a
database that already holds users or orders unless told to replace them, a backup of the other kind of database,
one made by a newer Rexian (migrations this code does not know), a damaged file or database, and an entry that is a
link or would land outside its folder; the database is then replaced at once (SQLite's backup API; PostgreSQL in
one psql transaction), the folders put in place, and the migrations the backup predates applied, so a backup of
an older version comes up to date. Stop the web and worker processes while restoring.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from rexian.privacy import crypto

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
FOLDERS = {"media": "MEDIA_ROOT", "models": "INTELLIGENCE_MODEL_DIR"}  # in the archive: the setting naming the folder


class BackupError(Exception):
    """A backup or restore cannot be done as asked; the message says why, for the person at the console."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    vendor: str
    files: int  # media and model files
    size: int  # bytes of the archive


@dataclass(frozen=True)
class RestoreResult:
    vendor: str
    created_at: str
    files: int
    migrated: list[str]  # migrations applied after the restore, the backup being older than the code
    key_missing: bool  # the backup's data key is not configured here: its personal data cannot be read


def _vendor() -> str:
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"不支持的数据库：{connection.vendor}。Unsupported database.")
    return connection.vendor


def _applied_migrations() -> dict[str, list[str]]:
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    applied: dict[str, list[str]] = {}
    for app, name in sorted(loader.applied_migrations):
        applied.setdefault(app, []).append(name)
    return applied


def _local_media() -> bool:
    return settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump and pg_restore, from the configured database (the password in the
    environment, never on the command line)."""
    options = connection.settings_dict
    arguments = ["--dbname", options["NAME"]]
    if options.get("HOST"):
        arguments += ["--host", str(options["HOST"])]
    if options.get("PORT"):
        arguments += ["--port", str(options["PORT"])]
    if options.get("USER"):
        arguments += ["--username", str(options["USER"])]
    environment = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if options.get("PASSWORD"):
        environment["PGPASSWORD"] = str(options["PASSWORD"])
    return arguments, environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"找不到 {command[0]}，请安装 PostgreSQL 客户端工具。{command[0]} not found.") from None
    if done.returncode != 0:
        raise BackupError(f"{command[0]} 失败 failed: {done.stderr.strip()[-2000:]}")


def _dump_database(vendor: str, target: Path) -> None:
    if vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
    else:
        arguments, environment = _pg_environment()
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *arguments],
             environment)


def _plain(member: tarfile.TarInfo) -> tarfile.TarInfo | None:
    """Files and folders only: a link (which could point anywhere) or a device is left out of the backup."""
    return member if member.isfile() or member.isdir() else None


def backup_create(output_dir: Path, *, now: dt.datetime | None = None) -> BackupResult:
    """Write a backup of the database and the local files into `output_dir`; returns where and what.

    For the command line (`rexian backup`), run by whoever runs the installation: no user is involved. Links and
    other special files in the folders are left out. Raises BackupError (no pg_dump, the dump failed, the file
    exists)."""
    vendor = _vendor()
    now = timezone.localtime(now or timezone.now())
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / f"rexian-backup-{now:%Y%m%d-%H%M%S}.tar.gz"
    if path.exists():
        raise BackupError(f"{path} 已存在。already exists.")
    active, _ = crypto.current_keys()
    manifest = {
        "format": FORMAT,
        "created_at": now.isoformat(),
        "database": {"vendor": vendor, "file": DATABASE_FILES[vendor]},
        "migrations": _applied_migrations(),
        "data_key_id": active.key_id,
        "folders": [name for name, setting in FOLDERS.items()
                    if (name != "media" or _local_media()) and Path(getattr(settings, setting)).is_dir()],
    }
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".rexian-backup-") as work:
        database = Path(work) / DATABASE_FILES[vendor]
        _dump_database(vendor, database)
        partial = Path(work) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
            body = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(now.timestamp()), 0o600
            with tempfile.TemporaryFile() as buffer:
                buffer.write(body)
                buffer.seek(0)
                archive.addfile(info, buffer)
            archive.add(database, arcname=database.name)
            for name in manifest["folders"]:
                archive.add(Path(getattr(settings, FOLDERS[name])), arcname=name, filter=_plain)
            files = sum(1 for member in archive.getmembers() if member.isfile()) - 2  # less manifest and database
        partial.chmod(0o600)
        partial.replace(path)  # only a complete backup takes the final name
    return BackupResult(path=path, vendor=vendor, files=files, size=path.stat().st_size)


def _read(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(archive.extractfile(MANIFEST))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise BackupError("这不是 Rexian 的备份文件（缺少 manifest.json）。Not a Rexian backup.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise BackupError(f"不认识的备份格式：{found}。Unknown backup format.")
    database, migrations, folders = manifest.get("database"), manifest.get("migrations"), manifest.get("folders", [])
    if (
        not isinstance(database, dict) or not isinstance(migrations, dict)
        or not all(isinstance(names, list) for names in migrations.values())
        or not isinstance(folders, list) or not isinstance(manifest.get("created_at"), str)
    ):
        raise BackupError("备份文件的清单（manifest.json）已损坏。The backup's manifest is damaged.")
    return manifest


def _unknown_migrations(manifest: dict) -> list[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [f"{app}.{name}" for app, names in manifest["migrations"].items() for name in names
            if (app, name) not in loader.disk_migrations]


def _holds_data() -> bool:
    """Whether the configured database already holds users or orders (a fresh, migrated one does not)."""
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for model in (apps.get_model("units", "User"), apps.get_model("orders", "WorkOrder")):
            table = model._meta.db_table
            if table in tables:
                cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608 (a name)
                if cursor.fetchone():
                    return True
    return False


def _restore_database(vendor: str, source: Path) -> None:
    """Replace the whole database by the backup's, at once: SQLite through its backup API (page by page, under one
    lock); PostgreSQL in one psql transaction that drops every table of the database and runs the dump's SQL (from
    pg_restore), so a dump that fails to load leaves the database as it was."""
    if vendor == "sqlite":
        backup = sqlite3.connect(source)
        try:
            checked = backup.execute("PRAGMA quick_check").fetchone()  # a database, whole, before anything else
            if checked != ("ok",):
                raise BackupError(f"备份中的数据库已损坏：{checked}。The backup's database is damaged.")
            connection.ensure_connection()
            backup.backup(connection.connection)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"备份中的数据库已损坏：{error}。The backup's database is damaged.") from None
        finally:
            backup.close()
        return
    tables = connection.introspection.table_names()
    drops = "".join(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE;\n" for table in tables)
    connections.close_all()
    arguments, environment = _pg_environment()
    try:  # a dump pg_restore can read, before anything else
        _run(["pg_restore", "--list", str(source)], environment)
    except BackupError as error:
        raise BackupError(f"备份中的数据库已损坏。The backup's database is damaged: {error}") from None
    try:
        psql = subprocess.Popen(
            ["psql", "--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1", *arguments],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment,
        )
    except FileNotFoundError:
        raise BackupError("找不到 psql，请安装 PostgreSQL 客户端工具。psql not found.") from None
    with tempfile.TemporaryFile() as errors:
        dump = subprocess.Popen(["pg_restore", "--no-owner", "--no-privileges", "--file", "-", str(source)],
                                stdout=subprocess.PIPE, stderr=errors, env=environment)
        try:
            psql.stdin.write(drops.encode("utf-8"))
            shutil.copyfileobj(dump.stdout, psql.stdin, 1 << 20)
            psql.stdin.close()
        except BrokenPipeError:  # psql stopped at an error: said below
            pass
        dump.stdout.close()
        failed_dump = dump.wait()
        failed_load = psql.wait()
        errors.seek(0)
        said = (psql.stderr.read().decode("utf-8", "replace") + errors.read().decode("utf-8", "replace")).strip()
    if failed_dump or failed_load:
        raise BackupError(f"恢复数据库失败，数据库未改动。The restore failed; the database is unchanged: {said[-2000:]}")


def _safe_members(archive: tarfile.TarFile, prefix: str) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        if member.name == prefix or member.name.startswith(prefix + "/"):
            if not (member.isfile() or member.isdir()):
                raise BackupError(f"备份中含有不允许的条目：{member.name}。Unexpected entry.")
            members.append(member)
    return members


def _stage_folder(archive: tarfile.TarFile, name: str, staging: Path) -> int:
    """Extract the archive's folder `name` under `staging` (refused, before anything is changed, if it holds a link,
    an absolute path or a ".." that would leave it); returns how many files it holds."""
    members = _safe_members(archive, name)
    try:
        archive.extractall(staging, members=members, filter="data")
    except tarfile.FilterError as error:
        raise BackupError(f"备份中含有不允许的条目：{error}。Unsafe entry in the backup.") from None
    return sum(1 for member in members if member.isfile())


def _put_folder(staged: Path, target: Path, *, replace: bool) -> None:
    """Move a staged folder into place: with `replace`, instead of what was there (whose files went with the replaced
    database), else beside what is there."""
    target.mkdir(parents=True, exist_ok=True)
    if not staged.is_dir():
        return
    if not replace:
        shutil.copytree(staged, target, dirs_exist_ok=True)
        return
    for entry in target.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for entry in staged.iterdir():
        shutil.move(str(entry), target / entry.name)


def backup_restore(path: Path, *, replace: bool = False) -> RestoreResult:
    """Read the backup at `path` into the configured database and folders (see the module's description).

    For the command line (`rexian restore`), with the web and worker processes stopped. Everything that can be
    refused is checked, and the folders extracted to a staging place, before the database is touched; the database
    is then replaced at once, and the folders put in place. Raises BackupError with the reason.
    """
    if not path.is_file():
        raise BackupError(f"找不到备份文件：{path}。No such file.")
    vendor = _vendor()
    try:
        archive = tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"无法读取备份文件：{error}。Cannot read the backup.") from None
    try:
        with archive, tempfile.TemporaryDirectory() as work:
            manifest = _read(archive)
            if manifest["database"].get("vendor") != vendor:
                raise BackupError(
                    f"这是 {manifest['database'].get('vendor')} 数据库的备份，不能恢复到当前的 {vendor} 数据库。"
                    "The backup is of another kind of database."
                )
            unknown = _unknown_migrations(manifest)
            if unknown:
                raise BackupError("备份来自更新版本的 Rexian，请先升级再恢复。The backup comes from a newer Rexian: "
                                  + ", ".join(unknown[:5]))
            if not replace and _holds_data():
                raise BackupError("当前数据库中已有用户或工单；确认用备份覆盖请加 --replace。"
                                  "The database holds data; add --replace to overwrite it.")
            database = DATABASE_FILES[vendor]
            try:
                archive.extract(database, work, filter="data")
            except KeyError:
                raise BackupError(f"备份中缺少数据库文件 {database}。The backup has no database.") from None
            folders = [name for name in manifest["folders"] if name in FOLDERS]
            staging = Path(work) / "folders"
            files = sum(_stage_folder(archive, name, staging) for name in folders)
            _restore_database(vendor, Path(work) / database)
            for name in folders:
                _put_folder(staging / name, Path(getattr(settings, FOLDERS[name])), replace=replace)
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise BackupError(f"备份文件已损坏：{error}。The backup is damaged.") from None
    connections.close_all()
    before = {(app, name) for app, names in _applied_migrations().items() for name in names}
    call_command("migrate", interactive=False, verbosity=0)
    after = {(app, name) for app, names in _applied_migrations().items() for name in names}
    _, keys = crypto.current_keys()
    return RestoreResult(
        vendor=vendor, created_at=manifest["created_at"], files=files,
        migrated=sorted(f"{app}.{name}" for app, name in after - before),
        key_missing=manifest.get("data_key_id") not in keys,
    )
