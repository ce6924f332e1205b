"""Settings come from the environment only; each case runs in a fresh interpreter."""

import json
import os
import subprocess
import sys

import pytest

KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="


def run_settings(code: str, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("REXIAN_", "DATABASE_URL"))}
    environment.update({"REXIAN_SECRET_KEY": "s", "REXIAN_DATA_KEY": KEY, "DJANGO_SETTINGS_MODULE": "rexian.settings"})
    environment.update(env)
    script = "import django, json; django.setup(); from django.conf import settings; " + code
    return subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=60)


def test_sqlite_database_runs_in_wal_mode(tmp_path):
    url = f"sqlite:///{tmp_path / 'rexian.sqlite3'}"
    result = run_settings(
        "from django.db import connection; c = connection.cursor(); c.execute('PRAGMA journal_mode'); "
        "print(c.fetchone()[0], settings.DATABASES['default']['OPTIONS']['transaction_mode'])",
        DATABASE_URL=url,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "IMMEDIATE"]


def test_postgres_url_selects_psycopg():
    result = run_settings(
        "d = settings.DATABASES['default']; print(json.dumps([d['ENGINE'], d['NAME'], d['HOST'], d['PORT']]))",
        DATABASE_URL="postgres://rexian@db.example:5433/hotline",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["django.db.backends.postgresql", "hotline", "db.example", 5433]


def test_unsupported_database_is_a_startup_error():
    result = run_settings("print(1)", DATABASE_URL="mysql://root@localhost/x")
    assert result.returncode != 0
    assert "unsupported engine" in result.stderr


@pytest.mark.parametrize("variable", ["REXIAN_SECRET_KEY", "REXIAN_DATA_KEY"])
def test_a_missing_secret_is_a_startup_error(variable):
    result = run_settings("print(1)", **{variable: ""})
    assert result.returncode != 0
    assert variable in result.stderr


def test_a_malformed_data_key_is_a_startup_error():
    result = run_settings("print(1)", REXIAN_DATA_KEY="too-short")
    assert result.returncode != 0
    assert "REXIAN_DATA_KEY" in result.stderr


def test_object_storage_is_chosen_by_configuration():
    result = run_settings(
        "print(json.dumps(settings.STORAGES['default']))",
        REXIAN_STORAGE="s3", REXIAN_S3_BUCKET="rexian-files", REXIAN_S3_ACCESS_KEY="a", REXIAN_S3_SECRET_KEY="b",
        REXIAN_S3_ENDPOINT_URL="https://oss.example",
    )
    assert result.returncode == 0, result.stderr
    storage = json.loads(result.stdout)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "rexian-files"
    assert storage["OPTIONS"]["default_acl"] == "private"


def test_local_disk_is_the_default_storage():
    result = run_settings("print(settings.STORAGES['default']['BACKEND'])")
    assert result.stdout.strip() == "django.core.files.storage.FileSystemStorage"


def test_read_replicas_open_read_only_mirroring_the_primary_in_tests():
    result = run_settings(
        "r = settings.DATABASES['replica_2']; "
        "print(json.dumps([settings.READ_REPLICAS, r['HOST'], r['OPTIONS'], r['TEST']['MIRROR'], "
        "settings.DATABASE_ROUTERS, settings.REPLICA_MAX_LAG_SECONDS]))",
        DATABASE_URL="postgres://rexian@primary.example/hotline",
        REXIAN_REPLICA_DATABASE_URLS="postgres://rexian@copy1.example/hotline, postgres://rexian@copy2.example/hotline",
        REXIAN_REPLICA_MAX_LAG_SECONDS="12",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        ["replica_1", "replica_2"], "copy2.example", {"options": "-c default_transaction_read_only=on"},
        "default", ["rexian.core.replicas.ReplicaRouter"], 12.0,
    ]


def test_without_replicas_there_is_no_router():
    result = run_settings("print(json.dumps([list(settings.DATABASES), settings.DATABASE_ROUTERS]))")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [["default"], []]


@pytest.mark.parametrize("primary, replica", [
    ("sqlite:////tmp/rexian.sqlite3", "postgres://rexian@copy.example/hotline"),
    ("postgres://rexian@primary.example/hotline", "sqlite:////tmp/copy.sqlite3"),
])
def test_read_replicas_need_postgresql(primary, replica):
    result = run_settings("print(1)", DATABASE_URL=primary, REXIAN_REPLICA_DATABASE_URLS=replica)
    assert result.returncode != 0
    assert "read replicas need PostgreSQL" in result.stderr


def test_the_sms_gateway_is_off_unless_configured():
    result = run_settings("print(json.dumps([settings.SMS_BACKEND, settings.SMS_KINDS, settings.SMS_SIGN]))")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["off", ["receipt", "result"], "12345热线"]


@pytest.mark.parametrize("env, said", [
    ({"REXIAN_SMS_BACKEND": "http", "REXIAN_SMS_SECRET": "s"}, "REXIAN_SMS_URL"),
    ({"REXIAN_SMS_BACKEND": "http", "REXIAN_SMS_URL": "https://sms.example/send"}, "REXIAN_SMS_SECRET"),
    ({"REXIAN_SMS_BACKEND": "carrier-pigeon"}, "REXIAN_SMS_BACKEND"),
    ({"REXIAN_SMS_KINDS": "receipt,birthday"}, "REXIAN_SMS_KINDS"),
    ({"REXIAN_SMS_REPLIES": "on"}, "REXIAN_SMS_SECRET"),
])
def test_a_half_configured_sms_gateway_is_a_startup_error(env, said):
    result = run_settings("print(1)", **env)
    assert result.returncode != 0
    assert said in result.stderr
