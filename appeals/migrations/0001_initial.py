import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED = ["appeal", "appealversion", "appealevidence"]


def move_content_types(apps, schema_editor):
    # Permissions and admin log entries hang on the content type: keep them by relabelling it,
    # unless the new one exists already.
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="appeals", model=model).exists():
            ContentType.objects.filter(app_label="disputes", model=model).update(app_label="appeals")


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="disputes", model=model).exists():
            ContentType.objects.filter(app_label="appeals", model=model).update(app_label="disputes")


class Migration(migrations.Migration):
    # The appeal models, moved here from `disputes` (see disputes' 0004): Django's record of them
    # only. The tables were created by disputes' 0008_appeals and keep their names (db_table),
    # indexes and constraints, so no row moves and no table is touched.

    initial = True

    dependencies = [
        ('disputes', '0004_appeals_move_to_their_own_app'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('evidence', '0001_squashed_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
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
                        'db_table': 'disputes_appeal',
                        'ordering': ['-created_at', '-pk'],
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
                        ('appeal', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='appeals.appeal')),
                        ('saved_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'appeal version',
                        'verbose_name_plural': 'appeal versions',
                        'db_table': 'disputes_appealversion',
                        'ordering': ['appeal', 'number'],
                    },
                ),
                migrations.CreateModel(
                    name='AppealEvidence',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField()),
                        ('caption', models.CharField(max_length=500, verbose_name='what it proves')),
                        ('item', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appeal_uses', to='evidence.evidenceitem')),
                        ('version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='evidence', to='appeals.appealversion')),
                    ],
                    options={
                        'verbose_name': 'appeal evidence',
                        'verbose_name_plural': 'appeal evidence',
                        'db_table': 'disputes_appealevidence',
                        'ordering': ['version', 'position'],
                    },
                ),
                migrations.AddField(
                    model_name='appeal',
                    name='submitted_version',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='appeals.appealversion', verbose_name='submitted version'),
                ),
                migrations.AddConstraint(
                    model_name='appealversion',
                    constraint=models.UniqueConstraint(fields=('appeal', 'number'), name='appeal_version_number_unique'),
                ),
                migrations.AddConstraint(
                    model_name='appealversion',
                    constraint=models.CheckConstraint(condition=models.Q(('number__gt', 0)), name='appeal_version_number_positive'),
                ),
                migrations.AddConstraint(
                    model_name='appealevidence',
                    constraint=models.UniqueConstraint(fields=('version', 'item'), name='appeal_evidence_once_per_version'),
                ),
                migrations.AddConstraint(
                    model_name='appealevidence',
                    constraint=models.UniqueConstraint(fields=('version', 'position'), name='appeal_evidence_position_unique'),
                ),
                migrations.AddIndex(
                    model_name='appeal',
                    index=models.Index(fields=['claim', 'created_at'], name='appeal_by_claim'),
                ),
                migrations.AddConstraint(
                    model_name='appeal',
                    constraint=models.CheckConstraint(condition=models.Q(('submitted_version__isnull', True), ('submitted_at__isnull', False), _connector='OR'), name='appeal_submitted_has_time'),
                ),
                migrations.AddConstraint(
                    model_name='appeal',
                    constraint=models.CheckConstraint(condition=models.Q(('decision', ''), models.Q(('decided_at__isnull', False), ('submitted_at__isnull', False)), _connector='OR'), name='appeal_decided_after_submission'),
                ),
                migrations.AddConstraint(
                    model_name='appeal',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('decision', 'lost'), _negated=True), models.Q(('funding', ''), _negated=True), _connector='OR'), name='appeal_lost_has_funding'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
