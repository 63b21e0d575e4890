"""The REST API, /api/v1/. Thin views over the same access helpers and services as the pages:
every query starts from the caller's stores (another team's object is a 404), and every change
goes through the service the page uses, with its checks and its timeline entry."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from appeals import document
from appeals.access import get_appeal_for_user
from appeals.models import Appeal
from disputes.access import get_claim_for_user, get_order_for_user, stores_for
from disputes.downloads import attachment_header
from disputes.models import Claim, Order
from disputes.services import ClaimConflict, ClaimError, claim_assign, claim_move, claim_open
from evidence import uploads
from evidence.models import EvidenceItem
from evidence.services import EvidenceError, evidence_add
from evidence.validation import Refused
from messaging.models import Message
from messaging.services import MessagingError, PolicyBlocked, reply_send

from . import serializers as s


def refused(message: str, status_code: int = status.HTTP_400_BAD_REQUEST, **extra) -> Response:
    return Response({"detail": message, **extra}, status=status_code)


class OrderViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.OrderSerializer

    def get_queryset(self):
        return Order.objects.filter(store__in=stores_for(self.request.user)).select_related("buyer")


class ClaimViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ClaimSerializer

    def get_queryset(self):
        return Claim.objects.filter(store__in=stores_for(self.request.user)).select_related("assignee")

    @extend_schema(request=s.ClaimOpenSerializer, responses={201: s.ClaimSerializer})
    def create(self, request, *args, **kwargs):
        """Open a claim on one of the caller's orders."""
        given = s.ClaimOpenSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        order = get_order_for_user(request.user, data["order"])
        try:
            claim = claim_open(
                order=order,
                kind=data["kind"],
                reason=data["reason"],
                amount=data.get("amount"),
                platform_claim_id=data["platform_claim_id"],
                by=request.user,
            )
        except ClaimError as error:
            return refused(str(error))
        return Response(s.ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ClaimMoveSerializer, responses={200: s.ClaimSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move the claim to another status (closing needs a post-mortem: the claim page)."""
        claim = get_claim_for_user(request.user, int(pk or 0))
        given = s.ClaimMoveSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            claim = claim_move(
                claim=claim,
                to_status=data["status"],
                by=request.user,
                loaded=data["loaded"],
                note=data["note"],
            )
        except ClaimConflict as conflict:
            return refused(str(conflict), status.HTTP_409_CONFLICT)
        except ClaimError as error:
            return refused(str(error))
        return Response(s.ClaimSerializer(claim).data)

    @extend_schema(request=s.ClaimAssignSerializer, responses={200: s.ClaimSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Assign the claim to a member of its store (or to nobody, with null)."""
        claim = get_claim_for_user(request.user, int(pk or 0))
        given = s.ClaimAssignSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        users = get_user_model().objects
        assignee = None
        if data["assignee"]:
            assignee = users.filter(username=data["assignee"], is_active=True).first()
            if assignee is None:
                raise ValidationError({"assignee": ["No such user."]})
        loaded = (
            users.filter(username=data["loaded"]).values_list("pk", flat=True).first()
            if data["loaded"]
            else None
        )
        result = claim_assign(claims=[claim], assignee=assignee, by=request.user, loaded={claim.pk: loaded})
        if result.skipped:
            return refused(str(result.skipped[0][1]))
        if result.conflicts:
            return refused(str(result.conflicts[0][1]), status.HTTP_409_CONFLICT)
        claim.refresh_from_db()
        return Response(s.ClaimSerializer(claim).data)


class OrderMessages(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The buyer thread of an order: read it, or send a reply through the composer's checks."""

    serializer_class = s.MessageSerializer

    def order(self) -> Order:
        return get_order_for_user(self.request.user, int(self.kwargs["order_id"]))

    def get_queryset(self):
        return Message.objects.filter(thread__order=self.order()).select_related("thread")

    @extend_schema(
        request=s.MessageSendSerializer,
        responses={
            201: s.MessageSerializer,
            400: OpenApiResponse(description="refused, with the policy findings"),
        },
    )
    def create(self, request, order_id=None):
        order = self.order()
        given = s.MessageSendSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            with transaction.atomic():
                message = reply_send(
                    order=order,
                    body=data["body"],
                    by=request.user,
                    purpose=data["purpose"],
                    override_reason=data["override_reason"],
                )
        except PolicyBlocked as blocked:
            return refused(str(blocked), findings=[finding.as_dict() for finding in blocked.findings])
        except MessagingError as error:
            return refused(str(error))
        return Response(s.MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class OrderEvidence(mixins.ListModelMixin, viewsets.GenericViewSet):
    """An order's evidence: list it, or add a file through the vault's checks."""

    serializer_class = s.EvidenceSerializer

    def order(self) -> Order:
        return get_order_for_user(self.request.user, int(self.kwargs["order_id"]))

    def get_queryset(self):
        return EvidenceItem.objects.present().filter(order=self.order())

    @extend_schema(
        request={"multipart/form-data": s.EvidenceUploadSerializer}, responses={201: s.EvidenceSerializer}
    )
    def create(self, request, order_id=None):
        order = self.order()
        body = request.data  # reading the body runs the vault's first-bytes check
        # A file refused from its first bytes: the request was not read beyond it.
        stopped = uploads.refusal(request._request)
        if stopped is not None:
            return refused(stopped.message, code=stopped.code)
        given = s.EvidenceUploadSerializer(data=body)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        upload = data["file"]
        try:
            item = evidence_add(
                order=order,
                chunks=upload.chunks(),
                name=upload.name or "",
                declared_type=upload.content_type or "",
                kind=data["kind"],
                caption=data["caption"],
                by=request.user,
            )
        except Refused as refusal:
            return refused(refusal.message, code=refusal.code)
        except EvidenceError as error:
            return refused(str(error))
        return Response(s.EvidenceSerializer(item).data, status=status.HTTP_201_CREATED)


class AppealViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.AppealSerializer

    def get_queryset(self):
        return Appeal.objects.filter(store__in=stores_for(self.request.user))

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(description="the appeal as a PDF")})
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """The appeal as a PDF: the submitted version, else the last saved, else the draft."""
        appeal = get_appeal_for_user(request.user, int(pk or 0))
        version = document.latest_version(appeal)
        facts, exhibits, conclusion = document.contents(appeal, version)
        data = document.export_pdf(appeal, version, facts, exhibits, conclusion)
        response = HttpResponse(data, content_type="application/pdf")
        number = version.number if version else 0
        response["Content-Disposition"] = attachment_header(
            f"appeal-{appeal.claim.order.platform_order_id}-v{number}.pdf"
        )
        return response
