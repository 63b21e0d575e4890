"""A real S3-compatible server on loopback (moto in server mode) and a private bucket for each
test, set as the evidence storage. moto is a test dependency: if it cannot start, the tests that
use it fail; they are never skipped."""

import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest

from config.evidence_storage import s3_evidence_storage

ACCESS_KEY = "desk-test-key"
SECRET_KEY = "desk-test-secret"
REGION = "us-east-1"
PREFIX = "evidence"


@dataclass
class Bucket:
    endpoint: str
    name: str
    client: object

    def object_keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name)  # type: ignore[attr-defined]
        return sorted(entry["Key"] for entry in listed.get("Contents", []))

    def read(self, storage_name: str) -> bytes:
        answer = self.client.get_object(Bucket=self.name, Key=f"{PREFIX}/{storage_name}")  # type: ignore[attr-defined]
        return answer["Body"].read()

    def write(self, storage_name: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.name, Key=f"{PREFIX}/{storage_name}", Body=data)  # type: ignore[attr-defined]

    def remove(self, storage_name: str) -> None:
        self.client.delete_object(Bucket=self.name, Key=f"{PREFIX}/{storage_name}")  # type: ignore[attr-defined]

    def plain_url(self, storage_name: str) -> str:
        """The object's address without a signature: what a public link would be."""
        return f"{self.endpoint}/{self.name}/{PREFIX}/{storage_name}"

    def environment(self) -> dict[str, str]:
        """The same bucket as the environment variables production sets (for a worker process)."""
        return {
            "EVIDENCE_S3_BUCKET": self.name,
            "EVIDENCE_S3_ENDPOINT_URL": self.endpoint,
            "EVIDENCE_S3_REGION": REGION,
            "EVIDENCE_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "EVIDENCE_S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "EVIDENCE_S3_PREFIX": PREFIX,
        }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    # Imported here, not at the top: only the sessions that use the bucket pay for moto.
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint, settings) -> Bucket:
    """A new private bucket, made the evidence storage for this test."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    name = f"desk-evidence-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": s3_evidence_storage(
            bucket=name,
            endpoint_url=s3_endpoint,
            region=REGION,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            prefix=PREFIX,
        ),
    }
    return Bucket(s3_endpoint, name, client)
