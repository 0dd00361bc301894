"""Triggers that abort UPDATE and DELETE on audit records (SQL per vendor: audit/triggers.py)."""

from django.db import migrations

from microloan.audit.triggers import drop_append_only_triggers, install_append_only_triggers


def install(apps, schema_editor):
    install_append_only_triggers(schema_editor.connection)


def drop(apps, schema_editor):
    drop_append_only_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, drop)]
