"""An optional virus scan of every upload through ClamAV's clamd (INSTREAM), when CLAMD_ADDRESS is set."""

from __future__ import annotations

import asyncio
import struct
from urllib.parse import urlsplit

CHUNK = 64 * 1024


class ScannerUnavailable(RuntimeError):
    """clamd could not be reached or answered nonsense."""


class Clamd:
    def __init__(self, address: str, timeout: float = 30) -> None:
        parts = urlsplit(address)
        if parts.scheme not in ("tcp", "unix"):
            raise ValueError("CLAMD_ADDRESS must look like tcp://host:3310 or unix:///run/clamav/clamd.ctl")
        self.scheme = parts.scheme
        self.host, self.port, self.path = parts.hostname, parts.port or 3310, parts.path
        self.timeout = timeout

    async def _connect(self):
        if self.scheme == "unix":
            return await asyncio.open_unix_connection(self.path)
        return await asyncio.open_connection(self.host, self.port)

    async def scan(self, data: bytes) -> str | None:
        """The name of the signature found in ``data``, or None when it is clean."""
        try:
            reader, writer = await asyncio.wait_for(self._connect(), self.timeout)
        except (OSError, TimeoutError) as exc:
            raise ScannerUnavailable(f"clamd is unreachable: {exc}") from exc
        try:
            writer.write(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start : start + CHUNK]
                writer.write(struct.pack("!L", len(chunk)) + chunk)
            writer.write(struct.pack("!L", 0))
            await writer.drain()
            reply = (await asyncio.wait_for(reader.read(4096), self.timeout)).rstrip(b"\0").decode(errors="replace")
        except (OSError, TimeoutError) as exc:
            raise ScannerUnavailable(f"clamd did not answer: {exc}") from exc
        finally:
            writer.close()
        if reply.endswith("OK"):
            return None
        if reply.endswith("FOUND"):
            return reply.removeprefix("stream:").removesuffix("FOUND").strip()
        raise ScannerUnavailable(f"clamd answered: {reply}")


_scanner: Clamd | None = None


def configure(address: str) -> None:
    global _scanner
    _scanner = Clamd(address) if address else None


def scanner() -> Clamd | None:
    return _scanner
