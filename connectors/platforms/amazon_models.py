"""What the desk asked of Amazon on an order through Amazon's own API: a review request (once
per order), a message of a kind the Messaging API allows. Kept per order, so the order page
shows it whether or not the order has a claim (whose timelines get an entry too)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Order


class AmazonActionKind(models.TextChoices):
    REVIEW = "productReviewAndSellerFeedback", _("Review request")
    UNEXPECTED_PROBLEM = "unexpectedProblem", _("Unexpected problem")
    DELIVERY_DETAILS = "confirmDeliveryDetails", _("Delivery details")
    ORDER_DETAILS = "confirmOrderDetails", _("Order details")
    SERVICE_DETAILS = "confirmServiceDetails", _("Service details")
    NEGATIVE_FEEDBACK_REMOVAL = "negativeFeedbackRemoval", _("Negative feedback removal request")


class AmazonOrderAction(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="amazon_actions")
    kind = models.CharField(_("kind"), max_length=40, choices=AmazonActionKind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("sent"), default=timezone.now)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        app_label = "connectors"
        verbose_name = _("Amazon order action")
        verbose_name_plural = _("Amazon order actions")
        ordering = ["at", "pk"]
        # The order page's list of what was sent (order, at).
        indexes = [models.Index(fields=["order", "at"], name="amazon_action_order")]
        constraints = [
            # Amazon allows one review request per order; the row is taken before asking Amazon.
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(kind="productReviewAndSellerFeedback"),
                name="amazon_review_once_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"
