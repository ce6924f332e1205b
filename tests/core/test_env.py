"""Typed environment readers (rexian.conf.env): parse, default, and fail loudly naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from rexian.conf.env import env_bool, env_choice, env_float, env_int, env_list, env_secret, env_str

NAME = "REXIAN_TEST_VALUE"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)
    monkeypatch.delenv(f"{NAME}_FILE", raising=False)


# --- env_str --------------------------------------------------------------------------------------


def test_str_reads_the_value(monkeypatch):
    monkeypatch.setenv(NAME, "hello")
    assert env_str(NAME, "default") == "hello"


def test_str_falls_back_to_the_default():
    assert env_str(NAME, "default") == "default"


def test_str_without_default_is_required():
    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_str(NAME)


def test_str_empty_value_is_kept(monkeypatch):
    monkeypatch.setenv(NAME, "")
    assert env_str(NAME, "default") == ""


# --- env_bool -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes", "On", " true "])
def test_bool_true_spellings(monkeypatch, value):
    monkeypatch.setenv(NAME, value)
    assert env_bool(NAME, False) is True


@pytest.mark.parametrize("value", ["0", "false", "No", "off", ""])
def test_bool_false_spellings(monkeypatch, value):
    monkeypatch.setenv(NAME, value)
    assert env_bool(NAME, True) is False


@pytest.mark.parametrize("default", [True, False])
def test_bool_unset_is_the_default(default):
    assert env_bool(NAME, default) is default


@pytest.mark.parametrize("value", ["maybe", "2", "y", "enabled"])
def test_bool_rejects_other_values_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv(NAME, value)
    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_bool(NAME)


# --- env_int -----------------------------------------------------------------------------------------------


def test_int_parses(monkeypatch):
    monkeypatch.setenv(NAME, "42")
    assert env_int(NAME, 1) == 42


def test_int_unset_is_the_default():
    assert env_int(NAME, 7) == 7


@pytest.mark.parametrize("value", ["abc", "1.5", "", "10s"])
def test_int_rejects_non_integers(monkeypatch, value):
    monkeypatch.setenv(NAME, value)
    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_int(NAME, 1)


def test_int_rejects_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv(NAME, "4")
    with pytest.raises(ImproperlyConfigured, match=f"{NAME}.*at least 5"):
        env_int(NAME, 60, minimum=5)


def test_int_accepts_the_minimum_itself(monkeypatch):
    monkeypatch.setenv(NAME, "5")
    assert env_int(NAME, 60, minimum=5) == 5


# --- env_float ------------------------------------------------------------------------------------------------


def test_float_parses(monkeypatch):
    monkeypatch.setenv(NAME, "0.25")
    assert env_float(NAME, 0.1) == 0.25


def test_float_unset_is_the_default():
    assert env_float(NAME, 0.2) == 0.2


def test_float_rejects_non_numbers(monkeypatch):
    monkeypatch.setenv(NAME, "a fifth")
    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_float(NAME, 0.2)


@pytest.mark.parametrize("value", ["-0.1", "1.5"])
def test_float_rejects_values_outside_the_range(monkeypatch, value):
    monkeypatch.setenv(NAME, value)
    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_float(NAME, 0.2, minimum=0, maximum=1)


@pytest.mark.parametrize("value", ["0", "1"])
def test_float_accepts_the_bounds(monkeypatch, value):
    monkeypatch.setenv(NAME, value)
    assert env_float(NAME, 0.2, minimum=0, maximum=1) == float(value)


# --- env_list ------------------------------------------------------------------------------------------------------


def test_list_splits_on_commas_and_trims(monkeypatch):
    monkeypatch.setenv(NAME, " a.example , b.example,,c ")
    assert env_list(NAME) == ["a.example", "b.example", "c"]


def test_list_unset_is_a_copy_of_the_default():
    default = ["localhost"]
    result = env_list(NAME, default)
    assert result == ["localhost"]
    result.append("x")
    assert default == ["localhost"]


def test_list_unset_without_default_is_empty():
    assert env_list(NAME) == []


def test_list_empty_value_is_empty(monkeypatch):
    monkeypatch.setenv(NAME, "")
    assert env_list(NAME, ["localhost"]) == []


# --- env_choice ---------------------------------------------------------------------------------------------------------


def test_choice_accepts_a_listed_value_in_any_case(monkeypatch):
    monkeypatch.setenv(NAME, " SM4-GCM ")
    assert env_choice(NAME, ("aes-gcm", "sm4-gcm"), "aes-gcm") == "sm4-gcm"


def test_choice_unset_is_the_default():
    assert env_choice(NAME, ("aes-gcm", "sm4-gcm"), "aes-gcm") == "aes-gcm"


def test_choice_rejects_others_listing_the_choices(monkeypatch):
    monkeypatch.setenv(NAME, "des")
    with pytest.raises(ImproperlyConfigured, match=f"{NAME}.*aes-gcm, sm4-gcm"):
        env_choice(NAME, ("aes-gcm", "sm4-gcm"), "aes-gcm")


# --- env_secret --------------------------------------------------------------------------------------------------------------


def test_secret_reads_the_variable_stripped(monkeypatch):
    monkeypatch.setenv(NAME, "  s3cret\n")
    assert env_secret(NAME, required=True) == "s3cret"


def test_secret_reads_the_file_variant(monkeypatch, tmp_path):
    path = tmp_path / "secret"
    path.write_text("from-a-file\n", encoding="utf-8")
    monkeypatch.setenv(f"{NAME}_FILE", str(path))
    assert env_secret(NAME, required=True) == "from-a-file"


def test_secret_set_both_ways_is_an_error(monkeypatch, tmp_path):
    path = tmp_path / "secret"
    path.write_text("from-a-file", encoding="utf-8")
    monkeypatch.setenv(NAME, "direct")
    monkeypatch.setenv(f"{NAME}_FILE", str(path))
    with pytest.raises(ImproperlyConfigured, match=f"{NAME}.*{NAME}_FILE"):
        env_secret(NAME, required=False)


def test_secret_file_that_cannot_be_read_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv(f"{NAME}_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match=f"{NAME}_FILE"):
        env_secret(NAME, required=True)


def test_required_secret_missing_is_an_error():
    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_secret(NAME, required=True)


def test_required_secret_empty_is_an_error(monkeypatch):
    monkeypatch.setenv(NAME, "")
    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_secret(NAME, required=True)


def test_optional_secret_missing_is_none():
    assert env_secret(NAME, required=False) is None


# --- Settings refuse to start without the data key -------------------------------------------------------------------------------

_LOAD_SETTINGS = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'rexian.settings'; django.setup(); "
    "from django.conf import settings; print('cipher', settings.DATA_CIPHER)"
)


def _run_settings(**changes: str | None) -> subprocess.CompletedProcess:
    # Without the data key and the test run's read replicas (whose PostgreSQL would not go with SQLite here).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REXIAN_DATA_KEY", "REXIAN_REPLICA_"))}
    env.update({"REXIAN_SECRET_KEY": "test-secret-key-not-for-production", "DATABASE_URL": "sqlite:///:memory:"})
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", _LOAD_SETTINGS], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_settings_refuse_to_load_without_the_data_key():
    result = _run_settings()
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "REXIAN_DATA_KEY" in result.stderr


def test_settings_load_with_the_data_key():
    result = _run_settings(REXIAN_DATA_KEY="AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    assert result.returncode == 0, result.stderr
    assert "cipher aes-gcm" in result.stdout


def test_settings_refuse_an_unknown_cipher():
    result = _run_settings(
        REXIAN_DATA_KEY="AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", REXIAN_DATA_CIPHER="des-cbc"
    )
    assert result.returncode != 0
    assert "REXIAN_DATA_CIPHER" in result.stderr
