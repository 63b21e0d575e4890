# ODR and dashboard reads through their own indexes; claims keep their order's purchase time.

from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_purchase_times(apps, schema_editor):
    Claim = apps.get_model("disputes", "Claim")
    Order = apps.get_model("disputes", "Order")
    Claim.objects.filter(order_purchased_at__isnull=True).update(
        order_purchased_at=Subquery(Order.objects.filter(pk=OuterRef("order_id")).values("purchased_at")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ('disputes', '0004_alerts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='claim',
            name='claim_store_order',
        ),
        migrations.AddField(
            model_name='claim',
            name='order_purchased_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(copy_purchase_times, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='claim',
            index=models.Index(condition=models.Q(('status', 'closed'), _negated=True), fields=['respond_by', 'id'], name='claim_open_due_any_store'),
        ),
        migrations.AddIndex(
            model_name='claim',
            index=models.Index(condition=models.Q(('status', 'closed'), _negated=True), fields=['store', 'assignee'], include=('respond_by',), name='claim_open_load'),
        ),
        migrations.AddIndex(
            model_name='claim',
            index=models.Index(condition=models.Q(('counts_toward_odr', True)), fields=['store', 'order_purchased_at'], include=('order', 'kind'), name='claim_odr_window'),
        ),
        migrations.AddIndex(
            model_name='claim',
            index=models.Index(fields=['store', 'opened_at'], include=('outcome',), name='claim_store_opened'),
        ),
    ]
