"""The embedded default's file-system broker: whole messages only, and a bad file never stops a worker."""

import logging
import os
import uuid

import pytest
from kombu import Connection

from config.broker import PARTIAL_PREFIX


@pytest.fixture
def broker(tmp_path):
    queue_folder = tmp_path / "queue"
    queue_folder.mkdir()
    options = {
        "data_folder_in": str(queue_folder),
        "data_folder_out": str(queue_folder),
        "control_folder": str(tmp_path / "control"),
        "store_processed": False,
    }
    (tmp_path / "control").mkdir()
    with Connection("filesystem://", transport_options=options) as connection:
        yield connection, queue_folder


def unique(name: str) -> str:
    # Kombu keeps the file-system transport's bindings in process-wide state: a queue name used
    # by an earlier test would count as bound already, with its binding in that test's folder.
    return f"{name}-{uuid.uuid4().hex[:8]}"


def test_filesystem_urls_use_the_desks_crash_safe_transport(broker):
    connection, _folder = broker
    assert type(connection.transport).__module__ == "config.broker"


def test_a_sent_message_appears_whole_and_no_partial_file_stays_behind(broker):
    connection, folder = broker
    name = unique("orders")
    queue = connection.SimpleQueue(name)
    queue.put({"order": "111-0000001-0000001"})
    names = os.listdir(folder)
    messages = [entry for entry in names if entry.endswith(f".{name}.msg")]
    assert len(messages) == 1
    assert not [entry for entry in names if entry.startswith(PARTIAL_PREFIX)]
    assert queue.get(timeout=1).payload == {"order": "111-0000001-0000001"}
    queue.close()


def test_an_empty_or_broken_message_file_is_set_aside_and_the_next_one_is_read(broker, caplog):
    connection, folder = broker
    name = unique("mail")
    queue = connection.SimpleQueue(name)
    # What a sender killed between creating its file and writing it leaves, and a torn write.
    # Named as older than anything sent now, so they are read first.
    (folder / f"0_1_{uuid.uuid4()}.{name}.msg").write_bytes(b"")
    (folder / f"0_2_{uuid.uuid4()}.{name}.msg").write_bytes(b'{"body": "eyJ')
    queue.put({"send": "alert-7"})

    with caplog.at_level(logging.ERROR, logger="config.broker"):
        assert queue.get(timeout=1).payload == {"send": "alert-7"}
    queue.close()

    rejected = sorted(os.listdir(folder / "rejected"))
    assert len(rejected) == 2 and all(entry.endswith(f".{name}.msg") for entry in rejected)
    assert {(folder / "rejected" / name).read_bytes() for name in rejected} == {b"", b'{"body": "eyJ'}
    assert caplog.text.count("set aside") == 2
    # Nothing is left in the queue for the next reader to trip on.
    assert not [name for name in os.listdir(folder) if name.endswith(".msg")]


def test_a_partial_file_is_not_taken_for_a_message(broker):
    connection, folder = broker
    name = unique("mail")
    queue = connection.SimpleQueue(name)
    (folder / f"{PARTIAL_PREFIX}abc").write_bytes(b'{"half')
    assert queue.qsize() == 0
    queue.put({"send": "alert-8"})
    assert queue.qsize() == 1
    assert queue.get(timeout=1).payload == {"send": "alert-8"}
    assert (folder / f"{PARTIAL_PREFIX}abc").exists()
    queue.close()
