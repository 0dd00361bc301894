"""THE RAW FILE TEST: after customers go through the whole stack (API registration, tokens,
audit, consents, a change, a reveal), no ID number, phone or card number is anywhere in the
database, in any spelling, not even a run of 8 of its digits.

SQLite: the bytes of the database file itself (a ``VACUUM INTO`` copy when the test database
lives in memory), so pages, indexes and the WAL are all covered. PostgreSQL: every column of
every table, read back as text.

Masks legitimately show up to 6 consecutive digits (a card's issuer number), so runs of 8 are
searched; random hex and base64 elsewhere in the file make a false match of 8 given digits
vanishingly unlikely.
"""

import datetime as dt
import random
from pathlib import Path

import pytest
from django.db import connection

from microloan.audit.testing import audit_rows_erasable  # noqa: F401 (a fixture)
from microloan.customers import services
from microloan.customers.synthetic import random_card, random_id_number, random_mobile
from microloan.customers.testing import customer_data, phone_code
from microloan.kernel.actors import Actor

from .conftest import staff_actor

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("microloan.customers.tests.urls"),
]

RUN = 8
NEW_PHONE = "13524681357"
REGISTER = "/api/v1/customers/register"
CODES = "/api/v1/customers/registration/codes"


def _people(count: int) -> list[dict]:
    rng = random.Random(4242)
    people = []
    for index in range(count):
        id_number = random_id_number(rng, birth_date=_birth(rng), male=index % 2 == 0)
        card, bank = random_card(rng)
        people.append(
            customer_data(
                id_number=id_number,
                phone=random_mobile(rng),
                bank_card_number=card,
                bank_name=bank,
                name=f"欧阳{'春夏秋冬'[index % 4]}{'风花雪月'[index // 4 % 4]}",
                address=f"上海市徐汇区漕溪北路{rng.randrange(100, 999)}弄{index}号",
            )
        )
    return people


def _birth(rng: random.Random) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=rng.randrange(30 * 365))


def _secrets(person: dict) -> set[str]:
    """Every spelling of a person's numbers, every run of ``RUN`` digits, and name/address."""
    id_number, phone, card = person["id_number"], person["phone"], person["bank_card_number"]
    spellings = {id_number, id_number.lower(), phone, f"+86{phone}", f"86{phone}", card}
    digits = {id_number[:17], phone, f"86{phone}", card}
    runs = {d[i : i + RUN] for d in digits for i in range(len(d) - RUN + 1)}
    return spellings | runs | {person["name"], person["address"]}


def _sqlite_bytes(tmp_path: Path) -> bytes:
    if not connection.is_in_memory_db():
        name = Path(connection.settings_dict["NAME"])
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        files = [name, name.with_name(name.name + "-wal")]
        return b"".join(path.read_bytes() for path in files if path.exists())
    copy = (
        tmp_path / f"copy-{len(list(tmp_path.iterdir()))}.sqlite3"
    )  # VACUUM INTO needs a new file
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(copy)])
    return copy.read_bytes()


def _every_value_as_text() -> bytes:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        value = bytes(value).decode("utf-8", errors="replace")
                    chunks.append(str(value))
    return "\n".join(chunks).encode("utf-8")


def _stored(tmp_path: Path) -> bytes:
    if connection.vendor == "sqlite":
        return _sqlite_bytes(tmp_path)
    return _every_value_as_text()


def test_no_personal_number_is_stored_in_the_clear(client, audit_rows_erasable, tmp_path, settings):  # noqa: F811
    settings.NOTIFICATIONS_DIR = str(tmp_path / "notifications")
    people = _people(6)
    for person in people[:4]:
        code = phone_code(
            person["phone"],
            send=lambda p=person: client.post_json(CODES, {"phone": p["phone"]}),
        )
        response = client.post_json(REGISTER, {**person, "code": code})
        assert response.status_code == 201, response.content
        token = response.json()["token"]
        consent = client.post_json(
            "/api/v1/customers/me/consents",
            {"purpose": "credit_report_query", "text_version": "2026.1"},
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_IDEMPOTENCY_KEY="consent-1",
        )
        assert consent.status_code == 201, consent.content
    for person in people[4:]:
        services.register_customer(actor=Actor.system("test"), data=person)
    # A change (old and new phone both secret) and a reveal leave no clear value behind.
    moved = services.find_by_id_number(people[0]["id_number"])
    services.update_customer(
        actor=Actor.borrower(moved.public_id),
        customer_id=moved.public_id,
        changes={"phone": f"+86 {NEW_PHONE}"},
        phone_code=phone_code(NEW_PHONE, purpose="change_phone"),
    )
    reviewer = staff_actor(services.REVEAL_PERSONAL_DATA)
    for field in services.REVEALABLE_FIELDS:
        services.reveal_field(
            actor=reviewer, customer_id=moved.public_id, field=field, reason="identity check"
        )
    people.append({**people[0], "phone": NEW_PHONE})

    stored = _stored(tmp_path)
    assert len(stored) > 10_000  # the data really is in there, encrypted
    leaks = sorted(
        secret
        for person in people
        for secret in _secrets(person)
        if secret.encode("utf-8") in stored
    )
    assert leaks == []
    # The test can fail: the same check finds a value stored in the clear on purpose.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer SET employer = %s WHERE public_id = %s",
            [people[3]["id_number"], services.find_by_id_number(people[3]["id_number"]).public_id],
        )
    assert people[3]["id_number"].encode() in _stored(tmp_path)
