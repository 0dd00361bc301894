"""Notifications (issues #5 and #6): a transactional outbox of SMS, app push and inbox messages.

Public entry points:

- ``services.enqueue_message(customer_id=, template=, variables=, channels=None, dedupe_key=,
  language=None, not_before=None)``: write a message in the caller's transaction.
- ``delivery.deliver_due_messages(limit)``: deliver what is due (tasks, command, tests).
- Event subscriptions (``subscribers.py``) and the end-of-day hook ``notifications.reminders``
  (``reminders.py``), both registered in ``apps.py``.

Settings (declared with their defaults in ``microloan/settings.py``):

- ``NOTIFICATIONS_DIR``: where file providers write (default ``<VAR_DIR>/notifications``).
- ``NOTIFICATIONS_PROVIDERS``: channel → dotted path of a provider class (default: file).
- ``NOTIFICATIONS_RETRY``: ``{"max_attempts": 6, "base_seconds": 30, "cap_seconds": 3600}``.
- ``NOTIFICATIONS_LEASE_SECONDS``: how long a worker holds a message it sends (120).
- ``NOTIFICATIONS_ALLOWED_HOURS``: when reminders may reach a phone (``"09:00-20:00"``,
  Asia/Shanghai).
- ``NOTIFICATIONS_REMINDER_OFFSETS``: days before due to remind (``[3, 1, 0]``); per product
  a ``ReminderPolicy`` row overrides it.
- ``NOTIFICATIONS_OVERDUE_NOTICE_DAYS``: days past due that get an overdue notice (``[1, 7]``).
"""
