"""PostgreSQL: concurrent registrations of one ID number create one customer, the rest 409."""

import threading

import pytest
from django.db import connection

from microloan.audit.testing import audit_rows_erasable  # noqa: F401 (a fixture)
from microloan.customers.models import Customer
from microloan.customers.services import register_customer
from microloan.customers.testing import customer_data
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_id_number_registered_at_once_gives_one_customer(audit_rows_erasable):  # noqa: F811
    writers = 4
    same_person = customer_data()
    start = threading.Barrier(writers)
    outcomes = []

    def register(writer):
        data = {**same_person, "phone": f"1370000000{writer}"}
        try:
            start.wait()
            register_customer(actor=Actor.system(f"worker{writer}"), data=data)
            outcomes.append("created")
        except Conflict as refused:
            outcomes.append(refused.code)
        except Exception as error:  # reported below; a thread's exception is otherwise lost
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created"] + ["customer_exists"] * (writers - 1)
    assert Customer.objects.count() == 1
