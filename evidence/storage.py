"""Where evidence files live: a folder outside static and public media (or a private S3 bucket,
see settings.STORAGES["evidence"]). Nothing here has a URL; the download view is the only door."""

import os
import tempfile
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages


class PrivateStorage(FileSystemStorage):
    """Originals are written once, under generated names, read-only on disk."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("file_permissions_mode", 0o440)
        kwargs.setdefault("directory_permissions_mode", 0o750)
        kwargs["base_url"] = None
        super().__init__(**kwargs)

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Evidence files have no public URL; use the download view.")

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        # Names are generated and unique; an existing one means a bug, never a silent rename.
        if self.exists(name):
            raise FileExistsError(f"evidence file {name} exists already; originals are never replaced")
        return name


def evidence_storage() -> Storage:
    return storages["evidence"]


def incoming_dir() -> Path:
    """Where an upload is spooled while it is hashed and checked: beside the storage's folder
    when it is local, so the accepted file is moved in by a rename, not copied."""
    storage = evidence_storage()
    if isinstance(storage, FileSystemStorage):
        path = Path(storage.location) / ".incoming"
    else:
        path = Path(tempfile.gettempdir())
    path.mkdir(parents=True, exist_ok=True)
    return path


class SpooledFile(File):
    """A checked temporary file; FileSystemStorage moves it into place by its path."""

    def __init__(self, path: Path) -> None:
        super().__init__(open(path, "rb"), name=path.name)  # noqa: SIM115 -- closed by File.close()
        self._path = path

    def temporary_file_path(self) -> str:
        return os.fspath(self._path)
