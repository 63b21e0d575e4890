"""Before review requests become one per thread: where a thread holds more than one, the
first stays the review request and the later ones are kept as plain replies (their text and
their record of having been sent are unchanged)."""

from django.db import migrations
from django.db.models import Count


def relabel_later_review_requests(apps, schema_editor):
    Message = apps.get_model("messaging", "Message")
    threads = (Message.objects.filter(purpose="review_request").values("thread_id")
               .annotate(requests=Count("pk")).filter(requests__gt=1).values_list("thread_id", flat=True))
    for thread_id in list(threads):
        first = (Message.objects.filter(thread_id=thread_id, purpose="review_request")
                 .order_by("at", "pk").values_list("pk", flat=True).first())
        Message.objects.filter(thread_id=thread_id, purpose="review_request").exclude(pk=first).update(purpose="")


class Migration(migrations.Migration):

    dependencies = [
        ("messaging", "0004_fewer_message_indexes"),
    ]

    operations = [
        migrations.RunPython(relabel_later_review_requests, migrations.RunPython.noop),
    ]
