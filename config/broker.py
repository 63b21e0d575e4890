"""The embedded default's Celery broker: kombu's file-system transport, made safe for crashes.

Kombu's own transport creates a message file and then writes into it, and a reader takes any
file whose name ends in `.msg`. A worker reading at the wrong moment, or a sender killed between
the two steps, leaves an empty or half-written message; decoding it raised inside the worker's
consumer loop and the whole worker stopped (seen when a worker was killed mid-sweep).

Here a message is written under a hidden name and renamed into the queue when it is whole, so a
reader sees all of it or nothing. A file that still cannot be read or decoded is moved to
`rejected/` beside the queue, logged with its reason, and the next message is taken.
"""

import contextlib
import logging
import os
import tempfile
import uuid
from pathlib import Path
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.transport.virtual import Empty
from kombu.utils.json import dumps, loads

log = logging.getLogger(__name__)

# A message being written: the queue's readers skip names that do not end in ".<queue>.msg".
PARTIAL_PREFIX = ".part-"


def message_name(queue: str) -> str:
    # Milliseconds first, so a sorted listing reads oldest first, as kombu's own names do.
    return f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"


def is_message_of(filename: str, queue: str) -> bool:
    return filename.partition(".")[2] == f"{queue}.msg"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):  # type: ignore[override]  # kombu's two bases disagree
        folder = self.data_folder_out
        try:
            handle, partial = tempfile.mkstemp(dir=folder, prefix=PARTIAL_PREFIX)
        except OSError as exc:
            raise ChannelError(f"Cannot add a message to {folder!r}") from exc
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(dumps(payload).encode())
            os.replace(partial, os.path.join(folder, message_name(queue)))
        except OSError as exc:
            Path(partial).unlink(missing_ok=True)
            raise ChannelError(f"Cannot add a message to {folder!r}") from exc

    def _get(self, queue, timeout=None):
        folder = Path(self.data_folder_in)
        taking = folder / ".taking"
        taking.mkdir(exist_ok=True)
        for filename in sorted(os.listdir(folder)):
            if not is_message_of(filename, queue):
                continue
            taken = taking / filename
            try:
                # A rename is atomic: of two workers after the same file, one gets it.
                os.rename(folder / filename, taken)
            except OSError:
                continue
            try:
                payload = loads(taken.read_bytes().decode())
            except (OSError, ValueError) as exc:
                self._reject(taken, exc)
                continue
            taken.unlink(missing_ok=True)
            return payload
        raise Empty()

    def _reject(self, path: Path, reason: Exception) -> None:
        rejected = Path(self.data_folder_in) / "rejected"
        rejected.mkdir(exist_ok=True)
        with contextlib.suppress(OSError):  # gone already: nothing left to keep
            os.replace(path, rejected / path.name)
        log.error("Broker message %s set aside in %s: %s", path.name, rejected, reason)


class Transport(filesystem.Transport):
    Channel = Channel
