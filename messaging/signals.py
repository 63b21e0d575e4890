from django.dispatch import receiver

from disputes.models import Claim
from disputes.services import ClaimError, claim_closing

from .services import MessagingError, refuse_close_while_off_platform


@receiver(claim_closing, sender=Claim)
def summary_before_close(sender, claim: Claim, **kwargs) -> None:
    try:
        refuse_close_while_off_platform(claim.order_id)
    except MessagingError as error:
        raise ClaimError(str(error)) from None
