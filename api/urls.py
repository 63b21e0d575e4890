from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter()
router.register("orders", views.OrderViewSet, basename="order")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("appeals", views.AppealViewSet, basename="appeal")
router.register(r"orders/(?P<order_id>\d+)/messages", views.OrderMessages, basename="order-messages")
router.register(r"orders/(?P<order_id>\d+)/evidence", views.OrderEvidence, basename="order-evidence")

urlpatterns = [
    # The OpenAPI description of everything below, public like any API's documentation.
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    *router.urls,
]
