"""Choosing the object-storage backend from the settings (kept apart so the interface, storage.py, imports nothing).

`storage_from_settings(settings)` picks the backend from STORAGE_URL: `s3://bucket` (with S3_ENDPOINT_URL for
MinIO, R2, Ceph…) or `file://path` (the zero-setup default, whose signed URLs are served by the app itself:
shared.web.local_storage).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from shared.integrations.storage import Storage, StorageError
from shared.integrations.storage_local import LocalStorage
from shared.integrations.storage_s3 import S3Storage
from shared.settings import Settings


def storage_from_settings(settings: Settings) -> Storage:
    """The backend STORAGE_URL names: `s3://bucket` (S3_ENDPOINT_URL for MinIO, R2…) or `file://path`."""
    parts = urlsplit(settings.storage_url)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise StorageError(f"STORAGE_URL must name a bucket (s3://bucket), got {settings.storage_url!r}")
        # RAPPORT_S3_PUBLIC_ENDPOINT_URL: where browsers reach the store, when not at S3_ENDPOINT_URL.
        public = settings.extra.get("RAPPORT_S3_PUBLIC_ENDPOINT_URL") or None
        return S3Storage(parts.netloc, endpoint_url=settings.s3_endpoint_url, public_endpoint_url=public)
    if parts.scheme == "file":
        # file://./var/storage is relative to the working directory; file:///srv/rapport is absolute.
        root = Path(parts.netloc + parts.path)
        return LocalStorage(root, secret_key=settings.secret_key, base_url=settings.base_url)
    raise StorageError(f"STORAGE_URL must start with s3:// or file://, got {settings.storage_url!r}")


def browser_origin(settings: Settings) -> str | None:
    """The origin browsers talk to for uploads and playback (for the Content-Security-Policy), None for local disk."""
    parts = urlsplit(settings.storage_url)
    if parts.scheme != "s3":
        return None  # local signed URLs are served by the app itself: 'self'
    endpoint = settings.extra.get("RAPPORT_S3_PUBLIC_ENDPOINT_URL") or settings.s3_endpoint_url
    if endpoint:
        public = urlsplit(endpoint)
        return f"{public.scheme}://{public.netloc}"
    return "https://*.amazonaws.com"  # AWS itself: regional, path-style hosts
