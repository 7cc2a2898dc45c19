"""The file store: attachments kept as bytes on disk, content-addressed, so any channel can send them again."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, data: bytes, suffix: str = "") -> str:
        """Store bytes; returns the reference (a relative path). Saving the same bytes twice is harmless."""
        digest = hashlib.sha256(data).hexdigest()
        suffix = "".join(ch for ch in suffix.lower() if ch.isalnum() or ch == ".")[:10]
        if suffix and not suffix.startswith("."):
            suffix = "." + suffix
        ref = f"{digest[:2]}/{digest}{suffix}"
        path = self.root / ref
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + f".tmp{os.getpid()}")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        return ref

    def path(self, ref: str) -> Path:
        path = (self.root / ref).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"bad file reference {ref!r}")
        return path

    def read(self, ref: str) -> bytes:
        return self.path(ref).read_bytes()
