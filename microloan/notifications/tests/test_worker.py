"""Delivery through django-tasks and through the management command."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from microloan.notifications.models import Message, MessageTemplate
from microloan.notifications.services import enqueue_message
from microloan.notifications.tasks import deliver_due_messages_task

pytestmark = pytest.mark.django_db


def _enqueue(key, **kwargs):
    return enqueue_message(
        customer_id="cus_worker",
        template="repayment_received",
        variables={"amount": 100, "business_date": "2026-04-01"},
        dedupe_key=key,
        **kwargs,
    )


def test_a_delivery_task_is_queued_on_commit_only(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _enqueue("t1")
    assert DBTaskResult.objects.count() == 0  # nothing before the commit
    for callback in callbacks:
        callback()
    (result,) = DBTaskResult.objects.all()
    assert result.task_path.endswith("deliver_due_messages_task")
    assert result.run_after.year == 9999  # the backend's "any time"


def test_a_held_message_queues_its_task_for_later(django_capture_on_commit_callbacks):
    later = timezone.now() + dt.timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        _enqueue("t2", not_before=later)
    (result,) = DBTaskResult.objects.all()
    assert result.run_after == later


def test_the_task_delivers_what_is_due():
    _enqueue("t3")
    assert deliver_due_messages_task.call() == {"sent": 2, "queued": 0, "failed": 0, "stale": 0}
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}


def test_command_delivers_once_and_creates_templates(capsys):
    _enqueue("t4")
    call_command("notifications", "deliver", "--limit", "1")
    assert Message.objects.filter(status="sent").count() == 1
    call_command("notifications", "deliver")
    assert Message.objects.filter(status="sent").count() == 2
    assert "sent=1" in capsys.readouterr().out
    MessageTemplate.objects.all().delete()
    call_command("notifications", "templates")
    assert MessageTemplate.objects.filter(code="overdue_notice").exists()
    with pytest.raises(CommandError):
        call_command("notifications", "deliver", "--limit", "0")
