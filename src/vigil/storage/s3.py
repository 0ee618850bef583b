"""``s3://bucket/prefix`` inputs: S3-compatible object stores (AWS S3, MinIO, Ceph RGW), listed in key
order and streamed without a local copy.

The client is boto3's, configured the usual way: credentials from the environment, the shared files or
the instance's role, the endpoint of a non-AWS store from ``AWS_ENDPOINT_URL`` (or
``AWS_ENDPOINT_URL_S3``), or a profile's ``endpoint_url``. boto3 is the optional extra
``vigil[s3]``; it is imported only when an ``s3://`` input is given. Each process (a pool worker, a
Ray worker) makes its own client once.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, BinaryIO, Final

from vigil.errors import Invalid, Unavailable

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SCHEME: Final = "s3://"


class S3UnavailableError(Unavailable, RuntimeError):
    """boto3 is not installed."""


class S3UrlError(Invalid, ValueError):
    """Not an ``s3://bucket/key`` URL."""


def is_s3(path: str) -> bool:
    return path.startswith(SCHEME)


def split(url: str) -> tuple[str, str]:
    """``s3://bucket/some/key`` → (``bucket``, ``some/key``)."""
    if not is_s3(url):
        raise S3UrlError(f"not an s3:// URL: {url!r}")
    bucket, _, key = url[len(SCHEME) :].partition("/")
    if not bucket:
        raise S3UrlError(f"no bucket in {url!r}")
    return bucket, key


@functools.cache
def client() -> S3Client:
    try:
        import boto3
    except ImportError as exc:
        raise S3UnavailableError("s3:// inputs need boto3: pip install 'vigil[s3]'") from exc
    return boto3.client("s3")


def reason(exc: Exception) -> str:
    """The per-object error of a failed S3 call, as short as ``os_error_reason``'s."""
    response: Any = getattr(exc, "response", None)
    code = str((response or {}).get("Error", {}).get("Code", ""))
    if code in ("NoSuchKey", "404", "NotFound"):
        return "no such object"
    if code == "NoSuchBucket":
        return "no such bucket"
    if code in ("AccessDenied", "403", "Forbidden"):
        return "permission denied"
    return f"cannot read: {code or type(exc).__name__}: {exc}"[:200]


def list_objects(url: str) -> Iterator[str]:
    """The object URLs under ``url``, in key order. Like a path: ``s3://b/photos`` is the object
    ``photos`` and the objects below ``photos/``; ``s3://b/`` or ``s3://b/photos/`` a folder. Raises the
    client's error when the bucket cannot be listed."""
    bucket, key = split(url)
    folder = key == "" or key.endswith("/")
    pages = client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key)
    for page in pages:
        for obj in page.get("Contents", []):
            name = obj["Key"]
            # S3 answers in UTF-8 byte order of the keys: stable, so resume can count on it.
            if folder or name == key or name.startswith(key + "/"):
                yield f"{SCHEME}{bucket}/{name}"


@contextmanager
def open_object(url: str) -> Iterator[BinaryIO]:
    """The object's body as a stream (read in parts; nothing written to disk), closed at the end."""
    bucket, key = split(url)
    body: Any = client().get_object(Bucket=bucket, Key=key)["Body"]
    try:
        yield body
    finally:
        body.close()


def failures() -> tuple[type[Exception], ...]:
    """What the client raises for one object or listing that failed (the run goes on). Without boto3,
    nothing: ``client()``'s error then ends the run with its message."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        return ()

    return (BotoCoreError, ClientError)
