"""The evidence storage's settings: the local private folder, or a private S3-compatible bucket.
One function builds the S3 entry of STORAGES, so production (from the environment) and the tests
(a bucket on a loopback S3 server) configure it the same way."""

from botocore.config import Config

# Every call to the bucket has its limits: a silent endpoint costs a request (or a worker's
# task) some seconds, never its whole time limit. Two retries cover a dropped connection.
S3_CONNECT_SECONDS = 5
S3_READ_SECONDS = 30


def s3_evidence_storage(
    *,
    bucket: str,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    prefix: str = "evidence",
) -> dict:
    """STORAGES["evidence"] for a bucket. Objects are private (no public ACL); the desk never
    hands out their addresses but streams them through its access-checked views."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "region_name": region,
            "access_key": access_key,
            "secret_key": secret_key,
            "location": prefix,
            "default_acl": "private",
            "querystring_auth": True,
            # A signed address, should one ever be made, lasts five minutes.
            "querystring_expire": 300,
            "file_overwrite": False,
            "client_config": Config(
                connect_timeout=S3_CONNECT_SECONDS,
                read_timeout=S3_READ_SECONDS,
                retries={"max_attempts": 3, "mode": "standard"},
                signature_version="s3v4",
                s3={"addressing_style": "path" if endpoint_url else "auto"},
            ),
        },
    }
