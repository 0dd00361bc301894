"""Background work: send payment orders after the transaction that created them committed.

Enqueued by ``services.orders.send_after_commit``; run by ``microloan db_worker``. Losing a task
loses nothing: ``process_orders()`` sends every order still ``created``.
"""

from __future__ import annotations

from django_tasks import task


@task()
def send_payment_orders(order_ids: list[str]) -> int:
    from .services.orders import send_orders

    return send_orders(order_ids)
