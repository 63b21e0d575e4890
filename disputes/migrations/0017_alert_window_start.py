from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def fill_window_start(apps, schema_editor):
    # Before this column every threshold was raised once per claim. An alert raised after the
    # platform's request belongs to the window that request started; the others to the first.
    Alert = apps.get_model("disputes", "Alert")
    Claim = apps.get_model("disputes", "Claim")
    Message = apps.get_model("messaging", "Message")
    claim = Claim.objects.filter(pk=OuterRef("claim_id"))
    Alert.objects.filter(claim__isnull=False).update(window_start=Subquery(claim.values("opened_at")[:1]))
    Alert.objects.filter(claim__platform_requested_at__lte=F("raised_at")).update(
        window_start=Subquery(claim.values("platform_requested_at")[:1]))
    message = Message.objects.filter(pk=OuterRef("message_id"))
    Alert.objects.filter(message__isnull=False).update(window_start=Subquery(message.values("at")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        # The messages' `at` is as old as the messaging app, which 0005 already depends on.
        ("disputes", "0016_alert_email_outbox"),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="window_start",
            field=models.DateTimeField(null=True, verbose_name="window began"),
        ),
        migrations.RunPython(fill_window_start, migrations.RunPython.noop),
    ]
