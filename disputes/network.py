"""Where a request comes from, for login lockouts and password-reset limits."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The connection's address, unless the desk is configured to sit behind reverse proxies
    (TRUSTED_PROXY_COUNT). Then every client arrives from the proxy's address, and the real one
    is the entry the outermost trusted proxy appended to the forwarding header: counted from the
    right, because anything further left was sent by the client and proves nothing."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.DESK_TRUSTED_PROXY_COUNT
    if not count:
        return remote
    hops = [hop.strip() for hop in request.META.get(settings.DESK_TRUSTED_PROXY_HEADER, "").split(",")]
    if len(hops) < count:
        # Fewer hops than proxies: the request did not come through them all.
        return remote
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote
