"""Alerts (of a claim or of a buyer message) and appeals (whose evidence is evidence items): the
tables that need messaging's and evidence's. Replaces 0018 among others, so a migration that
depended on the last migration before the squash now runs after this one."""

import django.db.models.deletion
import django.db.models.functions.datetime
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    # A database migrated before the squash has all of these and is up to date.
    replaces = [
        ('disputes', '0004_alerts'),
        ('disputes', '0005_message_alerts'),
        ('disputes', '0007_merge_0005_message_alerts_0006_post_mortems'),
        ('disputes', '0008_appeals'),
        ('disputes', '0009_fewer_claim_and_alert_indexes'),
        ('disputes', '0016_alert_email_outbox'),
        ('disputes', '0017_alert_window_start'),
        ('disputes', '0018_alert_once_per_window'),
    ]

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('disputes', '0002_squashed_default_deadline_rules'),
        ('evidence', '0001_squashed_initial'),
        ('messaging', '0001_squashed_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='Alert',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('threshold', models.CharField(max_length=20, verbose_name='threshold')),
                ('scheduled_for', models.DateTimeField(verbose_name='due to be raised')),
                ('raised_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='raised')),
                ('due_at', models.DateTimeField(verbose_name='deadline')),
                ('escalated', models.BooleanField(default=False, verbose_name='escalated to managers')),
                ('claim', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='disputes.claim')),
                ('message', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='messaging.message')),
                ('window_start', models.DateTimeField(verbose_name='window began')),
            ],
            options={
                'verbose_name': 'alert',
                'verbose_name_plural': 'alerts',
                'ordering': ['-raised_at'],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('claim__isnull', False), ('message__isnull', True)), models.Q(('claim__isnull', True), ('message__isnull', False)), _connector='OR'), name='alert_one_subject'), models.UniqueConstraint(fields=('claim', 'window_start', 'threshold'), name='alert_once_per_threshold'), models.UniqueConstraint(fields=('message', 'window_start', 'threshold'), name='alert_message_once_per_threshold')],
            },
        ),
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                ('emailed_at', models.DateTimeField(blank=True, null=True)),
                ('alert', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='disputes.alert')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                ('email_attempts', models.PositiveSmallIntegerField(db_default=0)),
                ('email_due_at', models.DateTimeField(blank=True, db_default=django.db.models.functions.datetime.Now(), null=True)),
            ],
            options={
                'verbose_name': 'notification',
                'verbose_name_plural': 'notifications',
                'indexes': [models.Index(condition=models.Q(('acknowledged_at__isnull', True)), fields=['user', 'alert'], name='notification_unread'), models.Index(condition=models.Q(('email_due_at__isnull', False)), fields=['email_due_at'], name='notification_email_due')],
                'constraints': [models.UniqueConstraint(fields=('alert', 'user'), name='notification_once_per_user')],
            },
        ),
        migrations.CreateModel(
            name='Appeal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('claim_response', 'Claim response'), ('appeal', 'Appeal of a granted claim'), ('chargeback_response', 'Chargeback response'), ('dispute_statement', 'Platform dispute statement')], max_length=30, verbose_name='kind')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='submitted')),
                ('submitted_where', models.CharField(blank=True, max_length=200, verbose_name='submitted where')),
                ('decision', models.CharField(blank=True, choices=[('won', "Won: decided in the seller's favour"), ('lost', 'Lost: granted to the buyer')], max_length=10, verbose_name='decision')),
                ('funding', models.CharField(blank=True, choices=[('seller', 'Seller-funded'), ('platform', 'Platform-funded')], max_length=10, verbose_name='funded by')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided')),
                ('decision_note', models.TextField(blank=True, verbose_name='decision note')),
                ('claim', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='appeals', to='disputes.claim')),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('store', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='disputes.store')),
                ('submitted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='submitted by')),
            ],
            options={
                'verbose_name': 'appeal',
                'verbose_name_plural': 'appeals',
                'ordering': ['-created_at', '-pk'],
                'indexes': [models.Index(fields=['claim', 'created_at'], name='appeal_by_claim')],
                'constraints': [models.CheckConstraint(condition=models.Q(('decision', ''), models.Q(('decided_at__isnull', False), ('submitted_at__isnull', False)), _connector='OR'), name='appeal_decided_after_submission'), models.CheckConstraint(condition=models.Q(models.Q(('decision', 'lost'), _negated=True), models.Q(('funding', ''), _negated=True), _connector='OR'), name='appeal_lost_has_funding')],
            },
        ),
        migrations.CreateModel(
            name='AppealVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField(verbose_name='version')),
                ('facts', models.JSONField(default=list, verbose_name='facts')),
                ('conclusion', models.TextField(verbose_name='conclusion')),
                ('saved_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='saved')),
                ('appeal', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='disputes.appeal')),
                ('saved_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'appeal version',
                'verbose_name_plural': 'appeal versions',
                'ordering': ['appeal', 'number'],
                'constraints': [models.UniqueConstraint(fields=('appeal', 'number'), name='appeal_version_number_unique'), models.CheckConstraint(condition=models.Q(('number__gt', 0)), name='appeal_version_number_positive')],
            },
        ),
        migrations.CreateModel(
            name='AppealEvidence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField()),
                ('caption', models.CharField(max_length=500, verbose_name='what it proves')),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appeal_uses', to='evidence.evidenceitem')),
                ('version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='evidence', to='disputes.appealversion')),
            ],
            options={
                'verbose_name': 'appeal evidence',
                'verbose_name_plural': 'appeal evidence',
                'ordering': ['version', 'position'],
                'constraints': [models.UniqueConstraint(fields=('version', 'item'), name='appeal_evidence_once_per_version'), models.UniqueConstraint(fields=('version', 'position'), name='appeal_evidence_position_unique')],
            },
        ),
        migrations.AddField(
            model_name='appeal',
            name='submitted_version',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='disputes.appealversion', verbose_name='submitted version'),
        ),
        migrations.AddConstraint(
            model_name='appeal',
            constraint=models.CheckConstraint(condition=models.Q(('submitted_version__isnull', True), ('submitted_at__isnull', False), _connector='OR'), name='appeal_submitted_has_time'),
        ),
    ]
