"""AES-GCM field encryption, key ring configuration, blind indexes, and the model fields."""

import base64

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connection

from microloan.customers.crypto import (
    FieldDecryptionError,
    blind_index,
    ciphertext_key_id,
    decrypt_value,
    encrypt_value,
    key_ring,
    parse_key_ring,
)
from microloan.customers.models import Customer
from microloan.customers.testing import make_customer

from .conftest import KEY_1, KEY_2

CONTEXT = "customers_customer.phone"


def _ring(spec: str, index_key: str = ""):
    return parse_key_ring(spec, index_key)


def test_round_trip_uses_the_last_key_and_a_fresh_nonce():
    ring = _ring(f"old:{KEY_1},new:{KEY_2}")
    first = encrypt_value("13812345678", context=CONTEXT, ring=ring)
    second = encrypt_value("13812345678", context=CONTEXT, ring=ring)
    assert first.startswith("v1:new:") and ciphertext_key_id(first) == "new"
    assert first != second  # a fresh nonce every time
    assert decrypt_value(first, context=CONTEXT, ring=ring) == "13812345678"
    assert "13812345678" not in first


def test_every_listed_key_decrypts():
    old = encrypt_value("张三", context=CONTEXT, ring=_ring(f"old:{KEY_1}"))
    assert decrypt_value(old, context=CONTEXT, ring=_ring(f"old:{KEY_1},new:{KEY_2}")) == "张三"


def test_a_ciphertext_copied_into_another_column_is_refused():
    token = encrypt_value("13812345678", context=CONTEXT)
    with pytest.raises(FieldDecryptionError, match=r"customers_customer\.name"):
        decrypt_value(token, context="customers_customer.name")


def _flip_one_byte(token: str, position: int) -> str:
    head, _sep, body = token.rpartition(":")
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[position] ^= 0x01
    return f"{head}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"


@pytest.mark.parametrize("position", [0, 12, -1])  # nonce, ciphertext, tag
def test_tampered_ciphertext_is_refused(position):
    token = encrypt_value("13812345678", context=CONTEXT)
    with pytest.raises(FieldDecryptionError, match="fails authentication"):
        decrypt_value(_flip_one_byte(token, position), context=CONTEXT)


def test_a_relabelled_key_id_is_refused():
    ring = _ring(f"a:{KEY_1},b:{KEY_1}")  # same key material under two ids
    token = encrypt_value("13812345678", context=CONTEXT, ring=ring)
    relabelled = token.replace("v1:b:", "v1:a:", 1)
    with pytest.raises(FieldDecryptionError):
        decrypt_value(relabelled, context=CONTEXT, ring=ring)


@pytest.mark.parametrize(
    ("token", "match"),
    [
        ("13812345678", "not an encrypted value"),
        ("v1:gone:AAAA", "no longer lists"),
        ("v1:t1:!!!", "not valid base64"),
        ("v1:t1:AAAA", "truncated"),
    ],
)
def test_values_that_cannot_be_decrypted_say_why(token, match):
    with pytest.raises(FieldDecryptionError, match=match):
        decrypt_value(token, context=CONTEXT)


@pytest.mark.parametrize(
    ("spec", "index_key", "match"),
    [
        ("", "", "empty"),
        ("nokey", "", "must look like"),
        ("k1:", "", "must look like"),
        (f"bad id:{KEY_1}", "", "key id"),
        (f"k1:{KEY_1},k1:{KEY_2}", "", "twice"),
        ("k1:" + base64.urlsafe_b64encode(b"x" * 16).decode(), "", "32 bytes"),
        ("k1:not*base64", "", "base64url"),
        (f"k1:{KEY_1}", base64.urlsafe_b64encode(b"short").decode(), "FIELD_BLIND_INDEX_KEY"),
    ],
)
def test_bad_configuration_is_a_clear_improperly_configured(spec, index_key, match):
    with pytest.raises(ImproperlyConfigured, match=match) as refused:
        parse_key_ring(spec, index_key)
    assert KEY_1 not in str(refused.value)


def test_keys_without_padding_are_accepted():
    assert _ring(f"k1:{KEY_1.rstrip('=')}").keys["k1"] == base64.urlsafe_b64decode(KEY_1)


def test_settings_changes_take_effect(settings):
    settings.FIELD_ENCRYPTION_KEYS = f"t1:{KEY_1},t2:{KEY_2}"
    assert key_ring().current_key_id == "t2"


# --- blind index -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "a", "b"),
    [
        ("id_number", "11010519491231002x", " 110105 19491231002X"),
        ("phone", "13812345678", "+86 138-1234-5678"),
        ("card", "6222 0212 3456 7890", "6222021234567890"),
    ],
)
def test_the_blind_index_normalises_first(kind, a, b):
    assert blind_index(kind, a) == blind_index(kind, b)


def test_the_blind_index_depends_on_kind_and_value():
    assert blind_index("phone", "13812345678") != blind_index("phone", "13812345679")
    assert blind_index("id_number", "6222021234567890") != blind_index("card", "6222021234567890")


def test_the_blind_index_key_comes_from_the_first_key_so_adding_keys_keeps_it():
    before = blind_index("phone", "13812345678", ring=_ring(f"k1:{KEY_1}"))
    after = blind_index("phone", "13812345678", ring=_ring(f"k1:{KEY_1},k2:{KEY_2}"))
    assert before == after
    assert before != blind_index("phone", "13812345678", ring=_ring(f"k2:{KEY_2}"))


def test_a_dedicated_blind_index_key_wins_and_changes_the_fingerprint():
    derived = _ring(f"k1:{KEY_1}")
    dedicated = _ring(f"k1:{KEY_1}", KEY_2)
    value_derived = blind_index("phone", "13812345678", ring=derived)
    value_dedicated = blind_index("phone", "13812345678", ring=dedicated)
    assert value_derived != value_dedicated
    assert value_dedicated.startswith(dedicated.blind_index_fingerprint + ":")
    assert derived.blind_index_fingerprint != dedicated.blind_index_fingerprint
    assert derived.blind_index_key != base64.urlsafe_b64decode(KEY_1)  # derived, not the key


# --- the model fields ------------------------------------------------------------------------


@pytest.mark.django_db
def test_encrypted_columns_hold_ciphertext_and_load_as_text():
    customer = make_customer(phone="13900001234")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone, phone_index FROM customers_customer WHERE id = %s", [customer.pk]
        )
        stored_phone, stored_index = cursor.fetchone()
    assert stored_phone.startswith("v1:t1:") and "13900001234" not in stored_phone
    assert stored_index == blind_index("phone", "13900001234")
    assert Customer.objects.get(pk=customer.pk).phone == "13900001234"


@pytest.mark.django_db
def test_encrypted_columns_cannot_be_filtered():
    with pytest.raises(FieldError, match="blind index"):
        Customer.objects.filter(phone="13900001234").exists()
    assert not Customer.objects.filter(phone__isnull=True).exists()


@pytest.mark.django_db
def test_a_ciphertext_moved_to_another_column_in_the_database_fails_to_load():
    customer = make_customer()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE customers_customer SET name = phone WHERE id = %s", [customer.pk])
    with pytest.raises(FieldDecryptionError, match=r"customers_customer\.name"):
        Customer.objects.get(pk=customer.pk)


@pytest.mark.django_db
def test_saving_a_source_field_recomputes_its_index():
    customer = make_customer()
    customer.phone = "13700007777"
    customer.save(update_fields=["phone"])
    assert Customer.objects.filter(phone_index=blind_index("phone", "+8613700007777")).get() == (
        customer
    )
