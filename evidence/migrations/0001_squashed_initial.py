"""The evidence tables as the migrations before the first release left them."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    # A database migrated before the squash has all of these and is up to date.
    replaces = [
        ('evidence', '0001_initial'),
        ('evidence', '0002_preview_problem'),
    ]

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('disputes', '0001_squashed_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='EvidenceItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('order_details', 'Order details'), ('message_log', 'Message log'), ('tracking_history', 'Tracking history'), ('proof_of_delivery', 'Proof of delivery'), ('pre_shipment_photo', 'Pre-shipment photo'), ('packing_video', 'Packing video'), ('listing_screenshot', 'Listing screenshot'), ('packing_list', 'Packing list'), ('qc_report', 'Quality inspection report'), ('carrier_correspondence', 'Carrier correspondence'), ('buyer_media', "Buyer's photo or video"), ('refund_record', 'Refund or replacement record'), ('other', 'Other')], max_length=30, verbose_name='kind')),
                ('caption', models.CharField(blank=True, max_length=500, verbose_name='what it proves')),
                ('captured_at', models.DateTimeField(verbose_name='captured')),
                ('added_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='added')),
                ('original_name', models.CharField(max_length=255, verbose_name='original file name')),
                ('size', models.PositiveBigIntegerField(verbose_name='size in bytes')),
                ('file_type', models.CharField(choices=[('jpeg', 'JPEG'), ('png', 'PNG'), ('webp', 'WebP'), ('heic', 'HEIC'), ('pdf', 'PDF'), ('mp4', 'MP4'), ('mov', 'QuickTime MOV'), ('webm', 'WebM')], max_length=10, verbose_name='detected type')),
                ('content_type', models.CharField(max_length=50)),
                ('sha256', models.CharField(max_length=64, verbose_name='SHA-256')),
                ('storage_name', models.CharField(editable=False, max_length=200, unique=True)),
                ('width', models.PositiveIntegerField(blank=True, null=True)),
                ('height', models.PositiveIntegerField(blank=True, null=True)),
                ('previews', models.CharField(choices=[('pending', 'Being made'), ('ready', 'Ready'), ('none', 'No preview for this file'), ('failed', 'Preview failed')], default='pending', max_length=10)),
                ('thumb_name', models.CharField(blank=True, editable=False, max_length=200)),
                ('preview_name', models.CharField(blank=True, editable=False, max_length=200)),
                ('locked_at', models.DateTimeField(blank=True, null=True)),
                ('locked_reason', models.CharField(blank=True, max_length=300)),
                ('verified_at', models.DateTimeField(blank=True, null=True)),
                ('integrity_failed_at', models.DateTimeField(blank=True, null=True)),
                ('deleted_at', models.DateTimeField(blank=True, null=True)),
                ('delete_reason', models.TextField(blank=True)),
                ('added_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='added by')),
                ('deleted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('order', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='evidence', to='disputes.order')),
                ('store', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='evidence', to='disputes.store')),
                ('preview_problem', models.CharField(blank=True, choices=[('memory', 'Drawing it needed more memory than a preview may use.'), ('time', 'Drawing it took longer than a preview may take.'), ('crashed', 'The preview maker stopped on this file: it needs more memory than a preview may use, or it is malformed.'), ('unreadable', 'Its content could not be drawn.'), ('storage', 'The original could not be read from storage.'), ('interrupted', 'The worker stopped while drawing it, more than once.')], max_length=20)),
                ('preview_unfinished', models.PositiveSmallIntegerField(default=0)),
            ],
            options={
                'verbose_name': 'evidence item',
                'verbose_name_plural': 'evidence items',
                'ordering': ['captured_at', 'pk'],
                'indexes': [models.Index(condition=models.Q(('deleted_at__isnull', True)), fields=['order', 'captured_at'], name='evidence_order_present'), models.Index(condition=models.Q(('deleted_at__isnull', True)), fields=['verified_at'], name='evidence_verify_due')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('deleted_at__isnull', True)), fields=('order', 'sha256'), name='evidence_once_per_order'), models.CheckConstraint(condition=models.Q(('sha256__regex', '^[0-9a-f]{64}$')), name='evidence_sha256_hex'), models.CheckConstraint(condition=models.Q(('deleted_at__isnull', True), models.Q(('delete_reason', ''), _negated=True), _connector='OR'), name='evidence_delete_has_reason')],
            },
        ),
        migrations.CreateModel(
            name='EvidenceEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('action', models.CharField(max_length=40)),
                ('before', models.CharField(blank=True, max_length=500)),
                ('after', models.CharField(blank=True, max_length=500)),
                ('note', models.TextField(blank=True)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('order', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='disputes.order')),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='evidence.evidenceitem')),
            ],
            options={
                'verbose_name': 'evidence event',
                'verbose_name_plural': 'evidence events',
                'ordering': ['at', 'pk'],
                'indexes': [models.Index(fields=['order', 'at'], name='evidence_event_timeline')],
            },
        ),
    ]
