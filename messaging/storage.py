"""Message attachments live in private storage, served only through an access-checked view."""

from typing import cast

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import LazyObject


class _MessageFiles(LazyObject):
    def _setup(self) -> None:
        self._wrapped = FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT / "messages", base_url=None)


def message_files() -> FileSystemStorage:
    """A callable, so migrations do not record the machine's path."""
    return cast(FileSystemStorage, _storage)  # the lazy object stands in for one


_storage = _MessageFiles()
