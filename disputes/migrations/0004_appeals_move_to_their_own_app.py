from django.db import migrations


class Migration(migrations.Migration):
    # The appeal models moved to the `appeals` app. Only Django's record of them goes from
    # here: their tables, rows, indexes and constraints stay exactly as they are, and appeals'
    # 0001_initial takes them over under the same names.

    dependencies = [
        ("disputes", "0003_squashed_alerts_and_appeals"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                # Appeal and AppealVersion point at each other: break the loop first.
                migrations.RemoveConstraint(model_name="appeal", name="appeal_submitted_has_time"),
                migrations.RemoveField(model_name="appeal", name="submitted_version"),
                migrations.DeleteModel(name="AppealEvidence"),
                migrations.DeleteModel(name="AppealVersion"),
                migrations.DeleteModel(name="Appeal"),
            ],
            database_operations=[],
        ),
    ]
