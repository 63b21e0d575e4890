"""The messaging tables as the migrations before the first release left them."""

import django.db.models.deletion
import django.utils.timezone
import messaging.storage
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    # A database migrated before the squash has all of these and is up to date.
    replaces = [
        ('messaging', '0001_initial'),
        ('messaging', '0003_awaiting_reply_indexes'),
        ('messaging', '0004_fewer_message_indexes'),
        ('messaging', '0006_message_one_review_request_per_thread'),
        ('messaging', '0007_reply_sending_at'),
    ]

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('disputes', '0001_squashed_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='ReplyTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=80, unique=True, verbose_name='code')),
                ('title', models.CharField(max_length=200, verbose_name='title')),
                ('stage', models.CharField(choices=[('payment', 'Payment'), ('before_shipping', 'Before shipping'), ('after_shipping', 'After shipping'), ('dispute', 'Dispute'), ('return', 'Return'), ('review', 'Review follow-up'), ('claim', 'Claim'), ('off_platform', 'Off-platform')], max_length=20, verbose_name='stage')),
                ('platform', models.CharField(blank=True, choices=[('amazon', 'Amazon'), ('ebay', 'eBay'), ('ozon', 'Ozon'), ('dhgate', 'DHgate'), ('walmart', 'Walmart'), ('shopify', 'Shopify'), ('other', 'Other')], help_text='Empty: usable on every platform.', max_length=20, verbose_name='platform')),
                ('language', models.CharField(default='en', max_length=10, verbose_name='language')),
                ('purpose', models.CharField(blank=True, choices=[('', 'Reply'), ('review_request', 'Review request'), ('off_platform_reason', 'Why we leave the platform (internal)'), ('off_platform_notice', 'Off-platform notice'), ('closing_summary', 'Closing summary')], default='', max_length=30, verbose_name='purpose')),
                ('body', models.TextField(verbose_name='text')),
                ('note_en', models.CharField(max_length=300, verbose_name='when to use it (English)')),
                ('note_zh', models.CharField(max_length=300, verbose_name='when to use it (Chinese)')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'reply template',
                'verbose_name_plural': 'reply templates',
                'ordering': ['stage', 'title'],
            },
        ),
        migrations.CreateModel(
            name='StoreMessaging',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_address', models.EmailField(blank=True, help_text='The address the platform accepts replies from (Amazon: an approved sender).', max_length=254, verbose_name='authorised sender address')),
                ('return_address', models.TextField(blank=True, verbose_name='return address')),
                ('imap_host', models.CharField(blank=True, max_length=255, verbose_name='IMAP host')),
                ('imap_port', models.PositiveIntegerField(default=993, verbose_name='IMAP port')),
                ('imap_ssl', models.BooleanField(default=True, verbose_name='IMAP over TLS')),
                ('imap_user', models.CharField(blank=True, max_length=255, verbose_name='IMAP user')),
                ('imap_password', models.CharField(blank=True, max_length=255, verbose_name='IMAP password')),
                ('imap_folder', models.CharField(default='INBOX', max_length=255, verbose_name='IMAP folder')),
                ('smtp_host', models.CharField(blank=True, help_text="Leave empty to send through the desk's own mail settings.", max_length=255, verbose_name='SMTP host')),
                ('smtp_port', models.PositiveIntegerField(default=587, verbose_name='SMTP port')),
                ('smtp_user', models.CharField(blank=True, max_length=255, verbose_name='SMTP user')),
                ('smtp_password', models.CharField(blank=True, max_length=255, verbose_name='SMTP password')),
                ('smtp_starttls', models.BooleanField(default=True, verbose_name='SMTP STARTTLS')),
                ('polling_enabled', models.BooleanField(default=False, verbose_name='poll the mailbox')),
                ('last_polled_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='last polled')),
                ('last_poll_error', models.TextField(blank=True, editable=False, verbose_name='last polling error')),
                ('store', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='messaging', to='disputes.store')),
            ],
            options={
                'verbose_name': 'store messaging settings',
                'verbose_name_plural': 'store messaging settings',
            },
        ),
        migrations.CreateModel(
            name='Thread',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('is_closed', models.BooleanField(default=False, verbose_name='closed')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed')),
                ('off_platform', models.CharField(blank=True, choices=[('', 'In the platform thread'), ('started', "Reason noted; the buyer's notice is due"), ('notice_sent', 'Off the platform; the closing summary is due'), ('summarised', 'Closing summary sent')], default='', max_length=20, verbose_name='off-platform')),
                ('off_platform_reason', models.CharField(blank=True, choices=[('large_file', 'A file the platform cannot carry'), ('safety', 'An urgent safety or regulatory matter')], max_length=20, verbose_name='off-platform reason')),
                ('off_platform_started_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('order', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='thread', to='disputes.order')),
                ('store', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='threads', to='disputes.store')),
            ],
            options={
                'verbose_name': 'thread',
                'verbose_name_plural': 'threads',
                'indexes': [models.Index(condition=models.Q(('off_platform__in', ['started', 'notice_sent'])), fields=['store', 'off_platform_started_at'], name='thread_off_platform_open')],
            },
        ),
        migrations.CreateModel(
            name='Message',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('direction', models.CharField(choices=[('from_buyer', 'From the buyer'), ('to_buyer', 'To the buyer'), ('note', 'Internal note')], max_length=20, verbose_name='direction')),
                ('channel', models.CharField(choices=[('platform', 'Platform thread'), ('email', 'E-mail'), ('phone', 'Phone'), ('other', 'Other')], default='platform', max_length=20, verbose_name='channel')),
                ('purpose', models.CharField(blank=True, choices=[('', 'Reply'), ('review_request', 'Review request'), ('off_platform_reason', 'Why we leave the platform (internal)'), ('off_platform_notice', 'Off-platform notice'), ('closing_summary', 'Closing summary')], default='', max_length=30, verbose_name='purpose')),
                ('author_name', models.CharField(blank=True, max_length=255, verbose_name='from')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='time')),
                ('subject', models.CharField(blank=True, max_length=500, verbose_name='subject')),
                ('body', models.TextField(verbose_name='body')),
                ('rfc_message_id', models.CharField(blank=True, max_length=500, verbose_name='Message-ID')),
                ('reply_state', models.CharField(blank=True, choices=[('', 'No reply owed'), ('awaiting', 'Awaiting a reply'), ('replied', 'Replied'), ('not_needed', 'No response needed')], default='', max_length=20, verbose_name='reply')),
                ('reply_by', models.DateTimeField(blank=True, null=True, verbose_name='reply by')),
                ('reply_explained', models.CharField(blank=True, max_length=300)),
                ('warn_hours_before', models.JSONField(blank=True, default=list, editable=False)),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='answered')),
                ('no_response_reason', models.CharField(blank=True, max_length=300, verbose_name='why no response is needed')),
                ('next_alert_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('next_alert_threshold', models.CharField(blank=True, editable=False, max_length=20)),
                ('delivery', models.CharField(blank=True, choices=[('', 'Recorded only'), ('queued', 'Queued'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed')], default='', max_length=10, verbose_name='delivery')),
                ('delivery_error', models.TextField(blank=True, verbose_name='delivery error')),
                ('delivery_attempts', models.PositiveSmallIntegerField(default=0)),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent')),
                ('recipient', models.CharField(blank=True, max_length=255, verbose_name='to')),
                ('policy_findings', models.JSONField(blank=True, default=list)),
                ('override_reason', models.TextField(blank=True, verbose_name='override reason')),
                ('answered_by', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='messaging.message')),
                ('author', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='author')),
                ('override_by', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('store', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='disputes.store')),
                ('template', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='messaging.replytemplate')),
                ('thread', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='messaging.thread')),
                ('sending_at', models.DateTimeField(blank=True, editable=False, null=True)),
            ],
            options={
                'verbose_name': 'message',
                'verbose_name_plural': 'messages',
                'ordering': ['at', 'pk'],
                'indexes': [models.Index(fields=['thread', 'at'], name='message_thread_time'), models.Index(condition=models.Q(('next_alert_at__isnull', False)), fields=['next_alert_at'], name='message_alert_due'), models.Index(condition=models.Q(('reply_state', 'awaiting')), fields=['store', 'reply_by'], name='message_awaiting_store'), models.Index(condition=models.Q(('delivery', 'failed')), fields=['store', 'at'], name='message_delivery_failed'), models.Index(condition=models.Q(('reply_state', 'awaiting')), fields=['reply_by', 'id'], name='message_awaiting_reply_by')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('rfc_message_id', ''), _negated=True), fields=('store', 'rfc_message_id'), name='message_once_per_message_id'), models.CheckConstraint(condition=models.Q(('reply_state', ''), ('direction', 'from_buyer'), _connector='OR'), name='message_clock_on_buyer_messages'), models.CheckConstraint(condition=models.Q(models.Q(('reply_state', 'awaiting'), _negated=True), ('reply_by__isnull', False), _connector='OR'), name='message_awaiting_has_due_time'), models.UniqueConstraint(condition=models.Q(('purpose', 'review_request')), fields=('thread',), name='message_one_review_request_per_thread')],
            },
        ),
        migrations.CreateModel(
            name='Attachment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file', models.FileField(storage=messaging.storage.message_files, upload_to='attachments/%Y/%m/')),
                ('name', models.CharField(max_length=255, verbose_name='file name')),
                ('content_type', models.CharField(max_length=100)),
                ('size', models.PositiveBigIntegerField()),
                ('sha256', models.CharField(max_length=64)),
                ('message', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='messaging.message')),
            ],
            options={
                'verbose_name': 'attachment',
                'verbose_name_plural': 'attachments',
            },
        ),
        migrations.CreateModel(
            name='UnmatchedMail',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('rfc_message_id', models.CharField(max_length=500)),
                ('sender', models.CharField(blank=True, max_length=255, verbose_name='from')),
                ('subject', models.CharField(blank=True, max_length=500, verbose_name='subject')),
                ('body', models.TextField(blank=True, verbose_name='body')),
                ('received_at', models.DateTimeField(verbose_name='received')),
                ('raw', models.BinaryField()),
                ('why', models.CharField(blank=True, max_length=300, verbose_name='why it was not filed')),
                ('filed_at', models.DateTimeField(blank=True, null=True)),
                ('filed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('filed_message', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='messaging.message')),
                ('store', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='unmatched_mail', to='disputes.store')),
            ],
            options={
                'verbose_name': 'unmatched mail',
                'verbose_name_plural': 'unmatched mail',
                'ordering': ['-received_at', '-pk'],
                'indexes': [models.Index(condition=models.Q(('filed_at__isnull', True)), fields=['store', 'received_at'], name='unmatched_waiting')],
                'constraints': [models.UniqueConstraint(fields=('store', 'rfc_message_id'), name='unmatched_once_per_message_id')],
            },
        ),
    ]
