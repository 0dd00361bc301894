"""PostgreSQL: parallel wrong answers to one code are each counted, so no more than
PHONE_CODE_MAX_TRIES of them are ever checked, and the right code is dead afterwards."""

import threading
from collections import Counter

import pytest
from django.db import connection

from microloan.audit.testing import audit_rows_erasable  # noqa: F401 (a fixture)
from microloan.customers.models import PhoneCode
from microloan.customers.testing import phone_code
from microloan.customers.verification import use_phone_code
from microloan.kernel.errors import DomainError


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_use_up_the_tries_and_no_more(settings, tmp_path, audit_rows_erasable):  # noqa: F811
    settings.PHONE_CODE_MAX_TRIES = 3
    settings.NOTIFICATIONS_DIR = str(tmp_path / "notifications")  # the SMS goes out on commit
    code = phone_code("13800138000")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    guessers = 12
    start = threading.Barrier(guessers)
    outcomes = Counter()

    def guess():
        try:
            start.wait()
            use_phone_code(phone="13800138000", purpose="register", code=wrong)
            outcomes["accepted"] += 1
        except DomainError as refused:
            outcomes[refused.code] += 1
        except Exception as error:  # reported below; a thread's exception is otherwise lost
            outcomes[repr(error)] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(guessers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes == {"phone_code_invalid": guessers}
    assert PhoneCode.objects.get().tries == 3
    with pytest.raises(DomainError):
        use_phone_code(phone="13800138000", purpose="register", code=code)
