"""Each audit record carries an HMAC under a key kept outside the database (AUDIT_HMAC_KEY).

Records written before this migration get their MAC here, computed over the hash they hold:
they are only as trustworthy as the database was when the migration ran. The append-only
triggers are lifted for the backfill (SQLite also loses them when it rebuilds the table to add
a column) and put back at the end.
"""

from django.db import migrations, models

from microloan.audit.triggers import drop_append_only_triggers, install_append_only_triggers

BACKFILL_CHUNK = 5000


def drop_triggers(apps, schema_editor):
    drop_append_only_triggers(schema_editor.connection)


def install_triggers(apps, schema_editor):
    install_append_only_triggers(schema_editor.connection)


def sign_existing_records(apps, schema_editor):
    from microloan.audit.chain import compute_record_mac
    from microloan.audit.keys import audit_keys

    keys = audit_keys()
    last_seq = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT seq, record_hash FROM audit_auditrecord WHERE seq > %s ORDER BY seq"
                " LIMIT %s",
                [last_seq, BACKFILL_CHUNK],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            cursor.executemany(
                "UPDATE audit_auditrecord SET key_id = %s, record_mac = %s WHERE seq = %s",
                [
                    (keys.signing_id, compute_record_mac(keys.signing_key, keys.signing_id, h), seq)
                    for seq, h in rows
                ],
            )
            last_seq = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.RunPython(drop_triggers, install_triggers),
        migrations.AddField(
            model_name="auditrecord",
            name="key_id",
            field=models.CharField(default="", max_length=16, verbose_name="key id"),
        ),
        migrations.AddField(
            model_name="auditrecord",
            name="record_mac",
            field=models.CharField(default="", max_length=64, verbose_name="record MAC"),
        ),
        migrations.RunPython(sign_existing_records, migrations.RunPython.noop),
        migrations.RunPython(install_triggers, drop_triggers),
    ]
