"""Signed, expiring links to stored files: what Zalo (which takes only URLs for media) downloads evidence by.

A link is ``{base}/{file_ref}?exp={unix seconds}&sig={hex}``: ``sig`` is an HMAC-SHA256, under a secret
from the environment or a file (never the config, never a log line), of the file reference and the expiry.
The HTTP server (``bot.webhook``) serves the file only while the signature matches and the expiry is ahead
of its clock; anything else is 403 or 404 without saying which part was wrong.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

DEFAULT_HOURS = 24
MIN_SECRET_BYTES = 16


@dataclass(frozen=True)
class FileLinks:
    """Makes and checks the signed links; ``base`` is the public URL the server's ``path`` answers on."""

    secret: bytes = field(repr=False)
    base: str  # e.g. https://bot.example.vn/files
    hours: int = DEFAULT_HOURS

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the link secret must be at least {MIN_SECRET_BYTES} bytes long")
        if self.hours <= 0:
            raise ValueError("links must expire after a positive number of hours")

    def _sign(self, file_ref: str, expires: int) -> str:
        message = f"{file_ref}\n{expires}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def url(self, file_ref: str, now: datetime) -> str:
        """The link to ``file_ref``, valid for ``hours`` from ``now``."""
        expires = int((now + timedelta(hours=self.hours)).timestamp())
        query = urlencode({"exp": expires, "sig": self._sign(file_ref, expires)})
        return f"{self.base.rstrip('/')}/{quote(file_ref)}?{query}"

    def expires_at(self, now: datetime) -> datetime:
        return now + timedelta(hours=self.hours)

    def valid(self, file_ref: str, expires: str, signature: str, now: datetime) -> bool:
        """Whether a request for ``file_ref`` with these query values may be served at ``now``."""
        if not (expires.isascii() and expires.isdigit()) or len(expires) > 12:
            return False
        expected = self._sign(file_ref, int(expires))
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            return False
        return int(expires) > now.timestamp()
