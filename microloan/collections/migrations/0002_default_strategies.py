"""The default strategy of every bucket (services.strategies.DEFAULT_STRATEGIES, copied here so
the migration does not change when the code's defaults do)."""

from django.db import migrations

DEFAULTS = {
    "M1": {"sms": True, "push": True, "calls": True, "team": "collectors", "outsource": False},
    "M2": {"sms": True, "push": False, "calls": True, "team": "collectors", "outsource": False},
    "M3": {"sms": False, "push": False, "calls": True, "team": "collectors", "outsource": False},
    "M3+": {"sms": False, "push": False, "calls": True, "team": "senior", "outsource": False},
}


def create_defaults(apps, schema_editor):
    strategy = apps.get_model("collections", "CollectionStrategy")
    for bucket, settings in DEFAULTS.items():
        strategy.objects.get_or_create(bucket=bucket, defaults=settings)


class Migration(migrations.Migration):
    dependencies = [("collections", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
