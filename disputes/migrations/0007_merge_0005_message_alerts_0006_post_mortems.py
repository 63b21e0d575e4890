# Joins the message alerts with the ODR indexes and post-mortems, built side by side.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('disputes', '0005_message_alerts'),
        ('disputes', '0006_post_mortems'),
    ]

    operations = [
    ]
