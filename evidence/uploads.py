"""Stop reading an evidence upload as soon as its first bytes show the vault cannot take it.

Django spools a whole file to disk before any view runs, so a 500 MB file of the wrong kind,
or over its type's size cap, would cost 500 MB of reading and writing before its refusal.
This handler (first in FILE_UPLOAD_HANDLERS; it acts on the evidence upload views only) looks at
the first bytes of each file as they arrive: content of no accepted type, or a file growing past
the cap of its type, ends the reading of the request there (the rest is never read or stored).
The view then answers with the refusal kept here. Everything that passes is checked in full by
services.evidence_add, as before."""

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from .validation import HEAD_BYTES, Refused, check_size, clean_name, describe_unknown, sniff

# The views whose uploads this handler judges; an app above adds its own (the API's) in ready().
UPLOAD_VIEWS = {"evidence:upload"}


class FirstBytesHandler(FileUploadHandler):
    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        match = getattr(request, "resolver_match", None)
        self.active = match is not None and match.view_name in UPLOAD_VIEWS
        self.refusal: Refused | None = None
        self.head = b""
        self.file_type: str | None = None
        self.decided = False

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.head, self.file_type, self.decided = b"", None, False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if not self.active:
            return raw_data
        name = clean_name(self.file_name or "") or "?"
        if not self.decided:
            self.head += raw_data[: HEAD_BYTES - len(self.head)]
            # A shorter file is complete anyway: the full check after the upload judges it.
            if len(self.head) >= HEAD_BYTES:
                self.decided = True
                self.file_type = sniff(self.head)
                if self.file_type is None:
                    self._stop(describe_unknown(self.head, name))
        try:
            check_size(name, start + len(raw_data), self.file_type)
        except Refused as refusal:
            self._stop(refusal)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _stop(self, refusal: Refused) -> None:
        self.refusal = refusal
        # connection_reset: Django does not read the rest of the request body either.
        raise StopUpload(connection_reset=True)


def refusal(request: HttpRequest) -> Refused | None:
    """The file this request's reading stopped at, refused; None when it was read whole."""
    for handler in request.upload_handlers:
        if isinstance(handler, FirstBytesHandler) and handler.refusal is not None:
            return handler.refusal
    return None
