"""The claims desk's tables (stores, orders, claims, rules, post-mortems, items set aside) as
the migrations before the first release left them. Alerts and appeals follow in 0003, once the
messaging and evidence tables they point to exist."""

import disputes.models.stores
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    # A database migrated before the squash has all of these and is up to date.
    replaces = [
        ('disputes', '0001_initial'),
        ('disputes', '0002_buyer_claim_claimevent_deadlinerule_and_more'),
        ('disputes', '0005_odr_and_dashboard_indexes'),
        ('disputes', '0006_post_mortems'),
        ('disputes', '0010_set_aside'),
        ('disputes', '0011_rules_per_store_regions_decisions'),
        ('disputes', '0013_claim_deadline_set_aside'),
        ('disputes', '0014_merge_duplicate_shipments'),
        ('disputes', '0015_shipment_once_per_tracking_number'),
    ]

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='WorkerHeartbeat',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(max_length=50, unique=True)),
                ('last_seen', models.DateTimeField()),
            ],
            options={
                'verbose_name': 'worker heartbeat',
                'verbose_name_plural': 'worker heartbeats',
            },
        ),
        migrations.CreateModel(
            name='Profile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('language', models.CharField(choices=[('en', 'English'), ('zh-hans', 'Simplified Chinese')], default='en', max_length=10, verbose_name='language')),
                ('time_zone', models.CharField(choices=disputes.models.stores.time_zone_choices, default='UTC', max_length=64, verbose_name='time zone')),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='profile', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'profile',
                'verbose_name_plural': 'profiles',
            },
        ),
        migrations.CreateModel(
            name='Store',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
                ('platform', models.CharField(choices=[('amazon', 'Amazon'), ('ebay', 'eBay'), ('ozon', 'Ozon'), ('dhgate', 'DHgate'), ('walmart', 'Walmart'), ('shopify', 'Shopify'), ('other', 'Other')], max_length=20, verbose_name='platform')),
                ('marketplace', models.CharField(help_text='ISO 3166 country code of the marketplace, e.g. US, GB, RU. Its public holidays count as non-business days.', max_length=2, verbose_name='marketplace country')),
                ('time_zone', models.CharField(choices=disputes.models.stores.time_zone_choices, max_length=64, verbose_name='time zone')),
                ('currency', models.CharField(help_text='ISO 4217 code, e.g. USD.', max_length=3, verbose_name='currency')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='created')),
                ('holiday_subdivision', models.CharField(blank=True, help_text="The part of the country whose bank holidays the marketplace keeps, as the holidays calendar names it (e.g. ENG for England with GB). Empty: the country's nationwide holidays only.", max_length=40, verbose_name='holiday region')),
            ],
            options={
                'verbose_name': 'store',
                'verbose_name_plural': 'stores',
                'ordering': ['name'],
                'constraints': [models.CheckConstraint(condition=models.Q(('marketplace__regex', '^[A-Z]{2}$')), name='store_marketplace_iso2'), models.CheckConstraint(condition=models.Q(('currency__regex', '^[A-Z]{3}$')), name='store_currency_iso4217')],
            },
        ),
        migrations.CreateModel(
            name='Membership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('agent', 'Agent'), ('manager', 'Manager')], default='agent', max_length=10, verbose_name='role')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
                ('store', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='disputes.store')),
            ],
            options={
                'verbose_name': 'membership',
                'verbose_name_plural': 'memberships',
                'constraints': [models.UniqueConstraint(fields=('user', 'store'), name='membership_one_per_store')],
            },
        ),
        migrations.CreateModel(
            name='Buyer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('alias', models.CharField(max_length=255, verbose_name='buyer alias')),
                ('name', models.CharField(blank=True, max_length=255, verbose_name='name')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('store', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='buyers', to='disputes.store')),
            ],
            options={
                'verbose_name': 'buyer',
                'verbose_name_plural': 'buyers',
                'constraints': [models.UniqueConstraint(fields=('store', 'alias'), name='buyer_alias_per_store')],
            },
        ),
        migrations.CreateModel(
            name='DeadlineRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('platform', models.CharField(choices=[('amazon', 'Amazon'), ('ebay', 'eBay'), ('ozon', 'Ozon'), ('dhgate', 'DHgate'), ('walmart', 'Walmart'), ('shopify', 'Shopify'), ('other', 'Other')], max_length=20, verbose_name='platform')),
                ('claim_kind', models.CharField(choices=[('a_to_z', 'A-to-Z Guarantee claim'), ('ebay_case', 'eBay case / return request'), ('ozon_dispute', 'Ozon dispute'), ('dhgate_dispute', 'DHgate dispute'), ('walmart_dispute', 'Walmart dispute'), ('chargeback', 'Chargeback'), ('negative_feedback', 'Negative feedback / 1–2 star review'), ('buyer_complaint', 'Buyer complaint')], max_length=30, verbose_name='claim kind')),
                ('deadline', models.CharField(choices=[('respond', 'Respond'), ('appeal', 'Appeal'), ('reply', 'Reply to a buyer message')], max_length=20, verbose_name='deadline')),
                ('length', models.PositiveIntegerField(verbose_name='length')),
                ('unit', models.CharField(choices=[('calendar_hours', 'calendar hours'), ('calendar_days', 'calendar days'), ('business_days', 'business days')], max_length=20, verbose_name='unit')),
                ('starts_from', models.CharField(choices=[('claim_opened', 'the claim was opened'), ('platform_request', "the platform's request"), ('claim_closed', 'the decision'), ('message_received', "the buyer's message")], default='claim_opened', max_length=20, verbose_name='counted from')),
                ('warn_hours_before', models.JSONField(blank=True, default=list, help_text='Hours before the due time at which to warn, e.g. [24, 6].', verbose_name='warn hours before')),
                ('source', models.TextField(blank=True, help_text='Where the platform states this rule, and when it was checked.', verbose_name='source')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('store', models.ForeignKey(blank=True, help_text="Only this store, in place of the platform's rule. Empty: every store of the platform.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name='deadline_rules', to='disputes.store', verbose_name='store')),
            ],
            options={
                'verbose_name': 'deadline rule',
                'verbose_name_plural': 'deadline rules',
                'ordering': ['platform', 'claim_kind', 'deadline'],
                'constraints': [models.CheckConstraint(condition=models.Q(('length__gt', 0)), name='deadline_rule_length_positive'), models.UniqueConstraint(condition=models.Q(('store__isnull', True)), fields=('platform', 'claim_kind', 'deadline'), name='deadline_rule_unique', violation_error_message="The platform already has a rule for this kind of claim and deadline; edit it, or choose a store for a rule of that store's own."), models.UniqueConstraint(condition=models.Q(('store__isnull', False)), fields=('store', 'claim_kind', 'deadline'), name='deadline_rule_unique_per_store', violation_error_message='This store already has a rule for this kind of claim and deadline.')],
            },
        ),
        migrations.CreateModel(
            name='Order',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('platform_order_id', models.CharField(max_length=64, verbose_name='order id')),
                ('status', models.CharField(blank=True, max_length=40, verbose_name='order status')),
                ('purchased_at', models.DateTimeField(verbose_name='purchased')),
                ('currency', models.CharField(max_length=3, verbose_name='currency')),
                ('total', models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name='total')),
                ('fulfilment_channel', models.CharField(choices=[('seller', 'Seller-fulfilled'), ('platform', 'Platform-fulfilled')], default='seller', max_length=10, verbose_name='fulfilment')),
                ('ship_by', models.DateTimeField(blank=True, null=True, verbose_name='ship by')),
                ('latest_delivery', models.DateTimeField(blank=True, null=True, verbose_name='latest delivery date')),
                ('ship_country', models.CharField(blank=True, max_length=2, verbose_name='ship-to country')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('buyer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='orders', to='disputes.buyer')),
                ('store', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='orders', to='disputes.store')),
            ],
            options={
                'verbose_name': 'order',
                'verbose_name_plural': 'orders',
                'indexes': [models.Index(fields=['store', 'purchased_at'], name='order_store_purchased')],
                'constraints': [models.UniqueConstraint(fields=('store', 'platform_order_id'), name='order_id_per_store')],
            },
        ),
        migrations.CreateModel(
            name='Claim',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('a_to_z', 'A-to-Z Guarantee claim'), ('ebay_case', 'eBay case / return request'), ('ozon_dispute', 'Ozon dispute'), ('dhgate_dispute', 'DHgate dispute'), ('walmart_dispute', 'Walmart dispute'), ('chargeback', 'Chargeback'), ('negative_feedback', 'Negative feedback / 1–2 star review'), ('buyer_complaint', 'Buyer complaint')], max_length=30, verbose_name='kind')),
                ('reason', models.CharField(choices=[('not_received', 'Item not received'), ('damaged', 'Arrived damaged'), ('not_as_described', 'Not as described'), ('missing_parts', 'Missing parts or accessories'), ('price', 'Price or charge disagreement'), ('refund_not_processed', 'Return or refund not processed'), ('other', 'Other')], max_length=30, verbose_name='reason')),
                ('platform_claim_id', models.CharField(blank=True, max_length=64, verbose_name='platform claim id')),
                ('amount', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='amount claimed')),
                ('status', models.CharField(choices=[('new', 'New'), ('in_progress', 'In progress'), ('responded', 'Responded, under review'), ('appealing', 'Appealing'), ('closed', 'Closed')], default='new', max_length=20, verbose_name='status')),
                ('outcome', models.CharField(blank=True, choices=[('granted_seller', 'Granted — seller-funded'), ('granted_platform', 'Granted — platform-funded'), ('refunded', 'Refunded by seller'), ('denied', "Denied / closed in the seller's favour"), ('withdrawn', 'Withdrawn by the buyer'), ('cancelled', 'Order cancelled')], max_length=20, verbose_name='outcome')),
                ('counts_toward_odr', models.BooleanField(default=True, verbose_name='counts toward ODR')),
                ('opened_at', models.DateTimeField(verbose_name='opened')),
                ('platform_requested_at', models.DateTimeField(blank=True, null=True, verbose_name='platform asked for information')),
                ('respond_by', models.DateTimeField(blank=True, null=True, verbose_name='respond by')),
                ('respond_explained', models.CharField(blank=True, max_length=300)),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed')),
                ('appeal_by', models.DateTimeField(blank=True, null=True, verbose_name='appeal by')),
                ('priority', models.PositiveSmallIntegerField(choices=[(1, 'Low'), (2, 'Normal'), (3, 'High'), (4, 'Urgent')], default=2, verbose_name='priority')),
                ('version', models.PositiveIntegerField(default=1)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('assignee', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='assigned_claims', to=settings.AUTH_USER_MODEL, verbose_name='assignee')),
                ('created_by', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('store', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='claims', to='disputes.store')),
                ('respond_rule', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='disputes.deadlinerule')),
                ('order', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='claims', to='disputes.order')),
                ('next_alert_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('next_alert_threshold', models.CharField(blank=True, editable=False, max_length=20)),
                ('order_purchased_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided')),
            ],
            options={
                'verbose_name': 'claim',
                'verbose_name_plural': 'claims',
                'indexes': [models.Index(condition=models.Q(('status', 'closed'), _negated=True), fields=['store', 'respond_by', 'id'], name='claim_open_due'), models.Index(condition=models.Q(('next_alert_at__isnull', False)), fields=['next_alert_at'], name='claim_alert_due'), models.Index(condition=models.Q(('status', 'closed'), _negated=True), fields=['respond_by', 'id'], name='claim_open_due_any_store'), models.Index(condition=models.Q(('status', 'closed'), _negated=True), fields=['store', 'assignee'], include=('respond_by',), name='claim_open_load'), models.Index(condition=models.Q(('counts_toward_odr', True)), fields=['store', 'order_purchased_at'], include=('order', 'kind'), name='claim_odr_window'), models.Index(fields=['store', 'opened_at'], include=('outcome',), name='claim_store_opened')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('closed_at__isnull', False), ('status', 'closed')), models.Q(('status', 'closed'), _negated=True), _connector='OR'), name='claim_closed_has_time')],
            },
        ),
        migrations.CreateModel(
            name='ClaimEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('action', models.CharField(max_length=40)),
                ('before', models.CharField(blank=True, max_length=300)),
                ('after', models.CharField(blank=True, max_length=300)),
                ('note', models.TextField(blank=True)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('claim', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='events', to='disputes.claim')),
            ],
            options={
                'verbose_name': 'claim event',
                'verbose_name_plural': 'claim events',
                'ordering': ['at', 'pk'],
                'indexes': [models.Index(fields=['claim', 'at'], name='claim_event_timeline')],
            },
        ),
        migrations.CreateModel(
            name='OrderImport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file_name', models.CharField(max_length=255)),
                ('sha256', models.CharField(max_length=64)),
                ('file_format', models.CharField(max_length=20)),
                ('imported_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('rows', models.PositiveIntegerField(default=0)),
                ('orders_created', models.PositiveIntegerField(default=0)),
                ('orders_updated', models.PositiveIntegerField(default=0)),
                ('imported_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                ('store', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='imports', to='disputes.store')),
            ],
            options={
                'verbose_name': 'order import',
                'verbose_name_plural': 'order imports',
                'ordering': ['-imported_at'],
            },
        ),
        migrations.CreateModel(
            name='OrderLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('line_key', models.CharField(help_text="The platform's order-item id, or the SKU.", max_length=64, verbose_name='line id')),
                ('sku', models.CharField(max_length=100, verbose_name='SKU')),
                ('title', models.CharField(blank=True, max_length=500, verbose_name='title')),
                ('quantity', models.PositiveIntegerField(verbose_name='quantity')),
                ('item_price', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='item price')),
                ('order', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='disputes.order')),
            ],
            options={
                'verbose_name': 'order line',
                'verbose_name_plural': 'order lines',
                'constraints': [models.UniqueConstraint(fields=('order', 'line_key'), name='order_line_unique')],
            },
        ),
        migrations.CreateModel(
            name='Shipment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('carrier', models.CharField(blank=True, max_length=100, verbose_name='carrier')),
                ('tracking_number', models.CharField(blank=True, max_length=100, verbose_name='tracking number')),
                ('shipped_at', models.DateTimeField(blank=True, null=True, verbose_name='shipped')),
                ('delivered_at', models.DateTimeField(blank=True, null=True, verbose_name='delivered')),
                ('proof_of_delivery', models.TextField(blank=True, help_text='Signature, photo reference, delivery address as the carrier recorded them.', verbose_name='proof of delivery')),
                ('order', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='shipments', to='disputes.order')),
            ],
            options={
                'verbose_name': 'shipment',
                'verbose_name_plural': 'shipments',
                'ordering': ['shipped_at', 'pk'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('tracking_number', ''), _negated=True), fields=('order', 'tracking_number'), name='shipment_once_per_tracking_number')],
            },
        ),
        migrations.CreateModel(
            name='TrackingEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('occurred_at', models.DateTimeField(verbose_name='time')),
                ('status', models.CharField(max_length=100, verbose_name='status')),
                ('location', models.CharField(blank=True, max_length=200, verbose_name='location')),
                ('shipment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='disputes.shipment')),
            ],
            options={
                'verbose_name': 'tracking event',
                'verbose_name_plural': 'tracking events',
                'ordering': ['occurred_at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='PostMortem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('outcome', models.CharField(choices=[('granted_seller', 'Granted — seller-funded'), ('granted_platform', 'Granted — platform-funded'), ('refunded', 'Refunded by seller'), ('denied', "Denied / closed in the seller's favour"), ('withdrawn', 'Withdrawn by the buyer'), ('cancelled', 'Order cancelled')], max_length=20, verbose_name='outcome')),
                ('root_cause', models.CharField(choices=[('listing_unclear', 'Listing unclear'), ('packaging', 'Packaging too weak'), ('carrier', 'Carrier'), ('message_wording', 'Message wording'), ('product_defect', 'Product defect'), ('buyer_abuse', 'Buyer abuse'), ('other', 'Other')], max_length=20, verbose_name='root cause')),
                ('decided_by', models.TextField(max_length=2000, verbose_name='what decided the outcome')),
                ('written_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='written')),
                ('claim', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='post_mortems', to='disputes.claim')),
                ('store', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='disputes.store')),
                ('written_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'post-mortem',
                'verbose_name_plural': 'post-mortems',
                'ordering': ['-written_at'],
                'indexes': [models.Index(fields=['store', 'written_at'], name='postmortem_report')],
            },
        ),
        migrations.CreateModel(
            name='ImprovementAction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('description', models.CharField(max_length=500, verbose_name='improvement action')),
                ('due_on', models.DateField(verbose_name='due on')),
                ('done_at', models.DateTimeField(blank=True, null=True, verbose_name='done')),
                ('done_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='improvement_actions', to=settings.AUTH_USER_MODEL, verbose_name='owner')),
                ('store', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='disputes.store')),
                ('post_mortem', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='actions', to='disputes.postmortem')),
            ],
            options={
                'verbose_name': 'improvement action',
                'verbose_name_plural': 'improvement actions',
                'ordering': ['due_on', 'pk'],
                'indexes': [models.Index(condition=models.Q(('done_at__isnull', True)), fields=['owner', 'due_on'], name='action_open_by_owner')],
            },
        ),
        migrations.CreateModel(
            name='SetAside',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('claim_alerts', 'claim deadline alerts'), ('claim_deadline', 'claim deadline recompute'), ('message_alerts', 'reply alerts of a buyer message'), ('alert_email', 'alert e-mail'), ('inbound_mail', 'incoming mail'), ('evidence_preview', 'evidence preview'), ('evidence_fingerprint', 'evidence fingerprint check')], max_length=30, verbose_name='what')),
                ('subject_id', models.BigIntegerField()),
                ('label', models.CharField(max_length=200, verbose_name='item')),
                ('reason', models.TextField(verbose_name='reason')),
                ('attempts', models.PositiveIntegerField(default=1, verbose_name='attempts')),
                ('first_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='first failed')),
                ('last_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='last failed')),
                ('resolved_at', models.DateTimeField(blank=True, null=True)),
                ('resolved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('store', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='set_aside', to='disputes.store')),
            ],
            options={
                'verbose_name': 'item set aside',
                'verbose_name_plural': 'items set aside',
                'indexes': [models.Index(condition=models.Q(('resolved_at__isnull', True)), fields=['store', '-last_at'], name='set_aside_open_by_store')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('resolved_at__isnull', True)), fields=('kind', 'subject_id'), name='set_aside_open_once')],
            },
        ),
        migrations.AddField(
            model_name='store',
            name='members',
            field=models.ManyToManyField(related_name='stores', through='disputes.Membership', to=settings.AUTH_USER_MODEL),
        ),
    ]
