"""S3: the raw-message archive (RawArchive) and reading inbound mail that SES stored."""

from __future__ import annotations

from aftersales.adapters.aws import client
from aftersales.ports import RawArchive


class S3RawArchive(RawArchive):
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> str:
        client("s3").put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
        return f"s3://{self.bucket}/{key}"


def read_object(bucket: str, key: str, max_bytes: int = 40 * 1024 * 1024) -> bytes:
    """The whole object (SES caps a received message at 40 MB)."""
    response = client("s3").get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{max_bytes - 1}")
    data: bytes = response["Body"].read()
    return data
