from rest_framework.pagination import CursorPagination


class ByCursor(CursorPagination):
    """Newest first, 50 a page (up to 200 with ?page_size=); `next` and `previous` are links."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
