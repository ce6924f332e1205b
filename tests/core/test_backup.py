"""Backup and restore (rexian/core/backup.py, `rexian backup` and `rexian restore`), on the configured database."""

from __future__ import annotations

import io
import json
import stat
import tarfile

import pytest
from django.core.management import CommandError, call_command

from rexian.core.backup import BackupError, backup_create, backup_restore
from rexian.orders.models import WorkOrder
from rexian.privacy import crypto
from tests.conftest import register

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def folders(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.INTELLIGENCE_MODEL_DIR = tmp_path / "models"
    (settings.MEDIA_ROOT / "attachments").mkdir(parents=True)
    (settings.MEDIA_ROOT / "attachments" / "photo.jpg").write_bytes(b"\xff\xd8 a photo")
    settings.INTELLIGENCE_MODEL_DIR.mkdir()
    (settings.INTELLIGENCE_MODEL_DIR / "category-v1.joblib").write_bytes(b"a model")
    return settings


def _members(path) -> dict[str, bytes | None]:
    with tarfile.open(path) as archive:
        return {m.name: archive.extractfile(m).read() if m.isfile() else None for m in archive.getmembers()}


def test_a_backup_holds_the_database_the_files_and_no_key(cast, folders, tmp_path):
    register(cast)
    result = backup_create(tmp_path / "out")
    assert result.path.parent == tmp_path / "out" and result.path.name.startswith("rexian-backup-")
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert result.files == 2 and result.size == result.path.stat().st_size
    assert [p.name for p in (tmp_path / "out").iterdir()] == [result.path.name]  # no partial file left
    members = _members(result.path)
    manifest = json.loads(members["manifest.json"])
    database = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}[result.vendor]
    assert manifest["database"] == {"vendor": result.vendor, "file": database} and members[database]
    assert "0001_initial" in manifest["migrations"]["orders"]
    assert manifest["data_key_id"] == crypto.current_keys()[0].key_id and manifest["folders"] == ["media", "models"]
    assert members["media/attachments/photo.jpg"] == b"\xff\xd8 a photo"
    assert members["models/category-v1.joblib"] == b"a model"
    key = folders.DATA_KEY.encode()
    assert all(key not in body for body in members.values() if body)


def test_a_restore_brings_back_the_orders_and_files_and_refuses_to_overwrite_unasked(cast, folders, tmp_path):
    order = register(cast)
    result = backup_create(tmp_path / "out")
    WorkOrder.objects.filter(pk=order.pk).update(title="改过的标题")
    (folders.MEDIA_ROOT / "attachments" / "photo.jpg").unlink()
    with pytest.raises(BackupError, match="--replace"):
        backup_restore(result.path)
    assert WorkOrder.objects.get(pk=order.pk).title == "改过的标题"  # refused: nothing touched
    restored = backup_restore(result.path, replace=True)
    assert restored.vendor == result.vendor and restored.files == 2 and restored.migrated == []
    assert not restored.key_missing
    order = WorkOrder.objects.get(pk=order.pk)
    assert order.title == "小区电梯长期故障无人维修" and order.caller_phone == "13812348000"  # decrypted: same key
    assert (folders.MEDIA_ROOT / "attachments" / "photo.jpg").read_bytes() == b"\xff\xd8 a photo"


def _archive(path, manifest: dict | None, **files: bytes):
    with tarfile.open(path, "w:gz") as archive:
        entries = dict(files)
        if manifest is not None:
            entries["manifest.json"] = json.dumps(manifest).encode()
        for name, body in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    return path


def test_restore_refuses_what_it_cannot_restore_with_the_reason(cast, folders, tmp_path):
    register(cast)
    good = json.loads(_members(backup_create(tmp_path / "out").path)["manifest.json"])
    other = "postgresql" if good["database"]["vendor"] == "sqlite" else "sqlite"
    cases = {
        "找不到备份文件": tmp_path / "missing.tar.gz",
        "不是 Rexian 的备份": _archive(tmp_path / "plain.tar.gz", None, **{"a.txt": b"x"}),
        "不认识的备份格式": _archive(tmp_path / "v9.tar.gz", {**good, "format": 9}),
        f"这是 {other} 数据库的备份": _archive(tmp_path / "other.tar.gz", {**good, "database": {"vendor": other}}),
        "更新版本": _archive(tmp_path / "newer.tar.gz",
                          {**good, "migrations": {**good["migrations"], "orders": ["9999_from_the_future"]}}),
        "无法读取备份文件": tmp_path / "garbage.tar.gz",
    }
    (tmp_path / "garbage.tar.gz").write_bytes(b"not a tar")
    for message, path in cases.items():
        with pytest.raises(BackupError, match=message):
            backup_restore(path, replace=True)
    assert WorkOrder.objects.count() == 1


def test_the_commands_say_what_they_did_and_refuse_in_words(cast, folders, tmp_path, capsys):
    register(cast)
    call_command("backup", output=tmp_path / "out")
    out = capsys.readouterr().out
    line = out.strip().splitlines()[-1]
    assert line.startswith("backup=") and " files=2 " in line and "数据密钥未包含在内" in out
    path = next((tmp_path / "out").iterdir())
    with pytest.raises(CommandError, match="已有用户或工单"):
        call_command("restore", str(path))
    call_command("restore", str(path), replace=True)
    assert capsys.readouterr().out.strip().splitlines()[-1].endswith("migrated=0 key_missing=no")


def test_a_fresh_migrated_database_takes_a_backup_without_replace(folders, tmp_path):
    # Nothing but what the migrations seed: the state of a new server a centre moves to.
    path = backup_create(tmp_path / "out").path
    restored = backup_restore(path)
    assert restored.migrated == [] and restored.files == 2


def _tamper(source, target, extra: tarfile.TarInfo, body: bytes = b""):
    """A copy of the backup `source` with one more entry."""
    with tarfile.open(source) as original, tarfile.open(target, "w:gz") as copy:
        for member in original.getmembers():
            copy.addfile(member, original.extractfile(member) if member.isfile() else None)
        copy.addfile(extra, io.BytesIO(body) if extra.isfile() else None)
    return target


@pytest.mark.parametrize("entry", ["link", "hardlink", "parent"])
def test_an_unsafe_entry_is_refused_before_the_database_is_touched(cast, folders, tmp_path, entry):
    order = register(cast)
    path = backup_create(tmp_path / "out").path
    extra = tarfile.TarInfo({"link": "media/escape", "hardlink": "media/escape",
                             "parent": "media/../../escape.txt"}[entry])
    if entry == "parent":
        extra.size = 3
    else:
        extra.type = tarfile.SYMTYPE if entry == "link" else tarfile.LNKTYPE
        extra.linkname = "/etc/passwd"
    bad = _tamper(path, tmp_path / "bad.tar.gz", extra, b"bad")
    WorkOrder.objects.filter(pk=order.pk).update(title="备份之后的修改")
    with pytest.raises(BackupError, match="不允许的条目"):
        backup_restore(bad, replace=True)
    assert WorkOrder.objects.get(pk=order.pk).title == "备份之后的修改"
    assert not (tmp_path / "escape.txt").exists() and not (folders.MEDIA_ROOT / "escape").exists()


def test_links_in_the_folders_are_left_out_of_a_backup_which_stays_restorable(cast, folders, tmp_path):
    register(cast)
    (folders.MEDIA_ROOT / "attachments" / "elsewhere").symlink_to("/etc/hostname")
    result = backup_create(tmp_path / "out")
    assert "media/attachments/elsewhere" not in _members(result.path) and result.files == 2
    assert backup_restore(result.path, replace=True).files == 2
    assert not (folders.MEDIA_ROOT / "attachments" / "elsewhere").exists()  # replaced: only what the backup held


def test_a_damaged_backup_is_refused_with_the_reason(cast, folders, tmp_path):
    register(cast)
    path = backup_create(tmp_path / "out").path
    good = json.loads(_members(path)["manifest.json"])
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(BackupError, match="损坏|无法读取"):
        backup_restore(truncated, replace=True)
    broken = _archive(tmp_path / "broken.tar.gz", {**good, "database": "sqlite"})
    with pytest.raises(BackupError, match="清单"):
        backup_restore(broken, replace=True)
    assert WorkOrder.objects.count() == 1


def test_a_damaged_database_in_a_backup_leaves_the_database_as_it_was(cast, folders, tmp_path):
    order = register(cast)
    path = backup_create(tmp_path / "out").path
    members = _members(path)
    database = next(name for name in members if name.startswith("database."))
    damaged = _archive(tmp_path / "damaged.tar.gz", json.loads(members["manifest.json"]),
                       **{database: b"not a database at all" * 100})
    WorkOrder.objects.filter(pk=order.pk).update(title="备份之后的修改")
    with pytest.raises(BackupError, match="已损坏"):
        backup_restore(damaged, replace=True)
    assert WorkOrder.objects.get(pk=order.pk).title == "备份之后的修改"
