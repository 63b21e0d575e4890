from django.db import migrations, models


class Migration(migrations.Migration):
    # Apart from 0017: on PostgreSQL the table cannot be altered in the transaction that
    # updated its rows (their deferred foreign-key checks are still pending).

    dependencies = [
        ("disputes", "0017_alert_window_start"),
    ]

    operations = [
        migrations.AlterField(
            model_name="alert",
            name="window_start",
            field=models.DateTimeField(verbose_name="window began"),
        ),
        migrations.RemoveConstraint(model_name="alert", name="alert_once_per_threshold"),
        migrations.RemoveConstraint(model_name="alert", name="alert_message_once_per_threshold"),
        migrations.AddConstraint(
            model_name="alert",
            constraint=models.UniqueConstraint(fields=("claim", "window_start", "threshold"),
                                               name="alert_once_per_threshold"),
        ),
        migrations.AddConstraint(
            model_name="alert",
            constraint=models.UniqueConstraint(fields=("message", "window_start", "threshold"),
                                               name="alert_message_once_per_threshold"),
        ),
    ]
