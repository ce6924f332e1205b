"""EncryptedTextField: personal data is ciphertext in the database and found through its keyed hash."""

from __future__ import annotations

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rexian.orders import selectors
from rexian.orders.models import WorkOrder
from rexian.privacy import crypto
from rexian.privacy.crypto import DecryptionError
from tests.conftest import register

PHONE = "13812348000"
ID_NUMBER = "32128319800101123X"
TABLE = WorkOrder._meta.db_table
OTHER_KEY = base64.b64encode(bytes(range(100, 132))).decode()


def raw_columns(order) -> dict[str, str]:
    """The caller columns exactly as stored, read past the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT caller_name, caller_phone, caller_id_number, caller_phone_hash, caller_id_hash "
            f"FROM {TABLE} WHERE id = %s",
            [order.pk],
        )
        row = cursor.fetchone()
    return dict(zip(["name", "phone", "id_number", "phone_hash", "id_hash"], row))


def test_caller_columns_hold_ciphertext(cast):
    raw = raw_columns(register(cast))
    for column in ("name", "phone", "id_number"):
        assert raw[column].startswith("v1:")


def test_phone_digits_are_not_in_the_database_row(cast):
    raw = raw_columns(register(cast, caller_phone="+86 138-1234-8000"))
    assert all(PHONE not in value and "1234-8000" not in value for value in raw.values())


def test_name_and_id_number_are_not_in_the_database_row(cast):
    raw = raw_columns(register(cast))
    assert all("张三" not in value and ID_NUMBER not in value for value in raw.values())


def test_loading_the_order_decrypts_the_caller(cast):
    order = WorkOrder.objects.get(pk=register(cast).pk)
    assert (order.caller_name, order.caller_phone, order.caller_id_number) == ("张三", PHONE, ID_NUMBER)


def test_phone_is_kept_as_typed_and_hashed_normalised(cast):
    order = WorkOrder.objects.get(pk=register(cast, caller_phone="+86 138-1234-8000").pk)
    assert order.caller_phone == "+86 138-1234-8000"
    assert raw_columns(order)["phone_hash"] == crypto.phone_hash(PHONE)


def test_id_number_hash_is_stored(cast):
    assert raw_columns(register(cast))["id_hash"] == crypto.id_number_hash(ID_NUMBER)


def test_empty_values_are_stored_empty(cast):
    raw = raw_columns(register(cast, caller_name="", caller_phone="", caller_id_number=""))
    assert (raw["name"], raw["phone"], raw["id_number"], raw["phone_hash"]) == ("", "", "", "")


def test_saving_again_writes_fresh_ciphertext(cast):
    order = register(cast)
    before = raw_columns(order)["phone"]
    order.save(update_fields=["caller_phone"])
    after = raw_columns(order)["phone"]
    assert before != after
    assert crypto.decrypt(after) == PHONE


def test_sm4_rows_hold_sm4_ciphertext(cast, settings):
    settings.DATA_CIPHER = "sm4-gcm"
    order = register(cast)
    assert ":sm4-gcm:" in raw_columns(order)["phone"]
    assert WorkOrder.objects.get(pk=order.pk).caller_phone == PHONE


def test_rows_written_with_aes_are_read_after_switching_to_sm4(cast, settings):
    order = register(cast)
    settings.DATA_CIPHER = "sm4-gcm"
    assert WorkOrder.objects.get(pk=order.pk).caller_phone == PHONE


def test_rows_written_before_a_key_rotation_are_still_read(cast, settings):
    order = register(cast)
    settings.OLD_DATA_KEYS = [settings.DATA_KEY]
    settings.DATA_KEY = OTHER_KEY
    assert WorkOrder.objects.get(pk=order.pk).caller_name == "张三"


def test_altered_column_fails_to_load(cast):
    order = register(cast)
    token = raw_columns(order)["phone"]
    head, blob = token.rsplit(":", 1)
    raw = bytearray(base64.b64decode(blob))
    raw[-1] ^= 0x01
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET caller_phone = %s WHERE id = %s", [f"{head}:{base64.b64encode(raw).decode()}", order.pk]
        )
    with pytest.raises(DecryptionError):
        WorkOrder.objects.get(pk=order.pk)


def test_encrypted_column_cannot_be_filtered_on_so_lookups_use_the_hash(cast):
    order = register(cast)
    assert not WorkOrder.objects.filter(caller_phone=PHONE).exists()
    assert list(WorkOrder.objects.filter(caller_phone_hash=crypto.phone_hash(PHONE))) == [order]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="EXPLAIN QUERY PLAN is SQLite's")
def test_phone_lookup_uses_the_caller_history_index(cast):
    register(cast)
    register(cast, caller_phone="13900001111")
    with CaptureQueriesContext(connection) as queries:
        selectors.caller_history(user=cast.operator, phone=PHONE)
    [sql] = [q["sql"] for q in queries.captured_queries if "caller_phone_hash" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "order_caller_history" in plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="EXPLAIN QUERY PLAN is SQLite's")
def test_unit_handlers_phone_lookup_also_uses_the_index(cast):
    register(cast)
    with CaptureQueriesContext(connection) as queries:
        selectors.caller_history(user=cast.housing_handler, phone=PHONE)
    [sql] = [q["sql"] for q in queries.captured_queries if "caller_phone_hash" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "order_caller_history" in plan
