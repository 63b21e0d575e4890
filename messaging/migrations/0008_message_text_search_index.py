"""The full-text index for message text in the header's search (messaging/search.py), on
PostgreSQL only: a GIN index on the expression `find_messages` filters by
(`SearchVector("body", config="simple")`). SQLite has no full text: nothing to do there, the
search falls back to a contains match."""

from django.db import migrations

INDEX = "message_text_search"


def create_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "messaging_message" '
        "USING gin (to_tsvector('simple'::regconfig, COALESCE(\"body\", '')))"
    )


def drop_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0007_reply_library_in_russian"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
