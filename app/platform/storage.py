"""Where document bytes live: a local folder (default) or any S3-compatible bucket."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol, runtime_checkable

import anyio.to_thread

from app.platform.settings import Settings


class StorageUnavailable(RuntimeError):
    """The storage back end could not be reached or refused the operation."""


class ObjectMissing(KeyError):
    """No object under that key."""


@runtime_checkable
class Storage(Protocol):
    name: str

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def delete(self, key: str) -> None: ...

    async def check(self) -> None: ...


class LocalStorage:
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"object key escapes the storage folder: {key!r}")
        return path

    def _put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            await anyio.to_thread.run_sync(self._put, key, data)
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await anyio.to_thread.run_sync(path.read_bytes)
        except FileNotFoundError as exc:
            raise ObjectMissing(key) from exc
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc

    async def delete(self, key: str) -> None:
        await anyio.to_thread.run_sync(lambda: self._path(key).unlink(missing_ok=True))

    async def check(self) -> None:
        def probe() -> None:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".health-"):
                pass

        try:
            await anyio.to_thread.run_sync(probe)
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc


class S3Storage:
    name = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str = "",
        region: str = "us-east-1",
        access_key_id: str = "",
        secret_access_key: str = "",
        connect_timeout: float = 5,
        read_timeout: float = 30,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            config=Config(
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                retries={"max_attempts": 2, "mode": "standard"},
                signature_version="s3v4",
            ),
        )

    async def _call(self, method: str, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return await anyio.to_thread.run_sync(lambda: getattr(self.client, method)(**kwargs))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            # A 404 names a missing object only when an object was asked for; a missing bucket is an outage.
            if code in ("NoSuchKey", "404", "NotFound") and "Key" in kwargs:
                raise ObjectMissing(kwargs.get("Key", "")) from exc
            raise StorageUnavailable(f"S3 {method} failed: {code or exc}") from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"S3 {method} failed: {exc}") from exc

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await self._call("put_object", Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    async def get(self, key: str) -> bytes:
        response = await self._call("get_object", Bucket=self.bucket, Key=key)
        return await anyio.to_thread.run_sync(response["Body"].read)

    async def delete(self, key: str) -> None:
        await self._call("delete_object", Bucket=self.bucket, Key=key)

    async def check(self) -> None:
        await self._call("head_bucket", Bucket=self.bucket)


def storage_for(settings: Settings) -> Storage:
    if settings.storage == "s3":
        return S3Storage(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.aws_region,
            access_key_id=settings.aws_access_key_id,
            secret_access_key=settings.aws_secret_access_key,
        )
    return LocalStorage(settings.documents_dir)
