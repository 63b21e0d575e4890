"""What the API shows of each thing, and the inputs its actions take."""

from rest_framework import serializers

from appeals.models import Appeal
from disputes.models import Claim, ClaimKind, ClaimStatus, Order, Reason
from evidence.models import EvidenceItem, EvidenceKind
from messaging.models import Message


class OrderSerializer(serializers.ModelSerializer):
    buyer = serializers.CharField(source="buyer.alias", default=None, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "store",
            "platform_order_id",
            "status",
            "purchased_at",
            "currency",
            "total",
            "buyer",
            "ship_by",
            "latest_delivery",
            "ship_country",
        ]


class ClaimSerializer(serializers.ModelSerializer):
    assignee = serializers.CharField(source="assignee.username", default=None, read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "store",
            "order",
            "kind",
            "reason",
            "platform_claim_id",
            "amount",
            "status",
            "outcome",
            "opened_at",
            "respond_by",
            "closed_at",
            "decided_at",
            "appeal_by",
            "assignee",
            "priority",
            "version",
        ]


class ClaimOpenSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ClaimKind.choices)
    reason = serializers.ChoiceField(choices=Reason.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    platform_claim_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class ClaimMoveSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ClaimStatus.choices)
    # The status the caller last saw: a move someone made since is not overridden.
    loaded = serializers.ChoiceField(choices=ClaimStatus.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ClaimAssignSerializer(serializers.Serializer):
    # A user name, or null to leave the claim unassigned.
    assignee = serializers.CharField(allow_null=True, max_length=150)
    # The assignee the caller last saw (a user name, or null).
    loaded = serializers.CharField(allow_null=True, max_length=150)


class MessageSerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(source="thread.order_id", read_only=True)

    class Meta:
        model = Message
        fields = ["id", "order", "direction", "channel", "purpose", "author_name", "at", "subject", "body"]


class MessageSendSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20000)
    purpose = serializers.CharField(required=False, allow_blank=True, default="", max_length=30)
    # A manager's reason for sending despite a blocking policy finding.
    override_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvidenceItem
        fields = [
            "id",
            "order",
            "kind",
            "caption",
            "captured_at",
            "added_at",
            "original_name",
            "size",
            "file_type",
            "content_type",
            "sha256",
        ]


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    caption = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class AppealSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appeal
        fields = ["id", "store", "claim", "kind", "created_at", "submitted_at", "decision", "decided_at"]
