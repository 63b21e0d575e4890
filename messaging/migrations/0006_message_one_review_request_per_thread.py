from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("messaging", "0005_relabel_second_review_requests"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(
                condition=models.Q(("purpose", "review_request")), fields=("thread",),
                name="message_one_review_request_per_thread",
            ),
        ),
    ]
