"""Message attachments live in private storage, served only through an access-checked view."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class MessageFiles(FileSystemStorage):
    """PRIVATE_MEDIA_ROOT/messages, read when used: the web process and the worker that sends
    a reply's attachments find the same folder, whatever the setting was at import time."""

    def __init__(self) -> None:
        super().__init__(base_url=None)

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT / "messages")

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


_storage = MessageFiles()


def message_files() -> FileSystemStorage:
    """A callable, so migrations do not record the machine's path."""
    return _storage
