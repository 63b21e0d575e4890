from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Profile
from .preferences import remember_preferences


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def create_profile(sender, instance, created: bool, **kwargs) -> None:
    if created:
        Profile.objects.get_or_create(user=instance)


@receiver(user_logged_in)
def load_preferences(sender, request, user, **kwargs) -> None:
    profile, _ = Profile.objects.get_or_create(user=user)
    remember_preferences(request, profile)
