"""A throw-away PostgreSQL cluster for the test suite: ``initdb`` and ``pg_ctl`` in a temporary folder.

    python -m tests.pgcluster start [DIR]   # prints the URL to put in DLXH_TEST_DATABASE_URL
    python -m tests.pgcluster stop DIR

The cluster listens on a free loopback port, trusts local connections (it holds test data only) and
trades durability for speed (``fsync = off``). ``initdb`` refuses to run as root: as root the commands
run as the ``postgres`` user, who then owns the folder.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

BINDIRS = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin")
SETTINGS = (
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=300",
    "shared_buffers=64MB",
)


def _tool(name: str) -> str:
    for folder in BINDIRS:
        if (Path(folder) / name).exists():
            return str(Path(folder) / name)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: install Debian's postgresql package")
    return found


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(folder: Path | None) -> str:
    """Initialise and start a cluster; return its URL (user postgres, database postgres)."""
    root = folder or Path(tempfile.mkdtemp(prefix="dlxh-pg-"))
    root.mkdir(parents=True, exist_ok=True)
    data = root / "data"
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
    if not data.exists():
        initdb = [_tool("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync"]
        subprocess.run(
            _as_owner([*initdb, "--encoding=UTF8", "--locale=C.UTF-8"]),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    port = free_port()
    options = " ".join(f"-c {s}" for s in (*SETTINGS, "listen_addresses=127.0.0.1", f"port={port}"))
    options += f" -k {root}"
    subprocess.run(
        _as_owner([_tool("pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o", options, "start"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def database_url(admin_url: str, name: str) -> str:
    """``admin_url`` with another database name."""
    return urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))


@contextmanager
def fresh_database(admin_url: str, template: str = "template0") -> Iterator[str]:
    """A new database on the server of ``admin_url``, a copy of ``template`` (empty by default), for one
    test; dropped afterwards, connections still open to it cut."""
    name = f"dlxh_t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        )
    try:
        yield database_url(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def stop(folder: Path) -> None:
    subprocess.run(
        _as_owner([_tool("pg_ctl"), "-D", str(folder / "data"), "-m", "fast", "-w", "stop"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.pgcluster")
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument("folder", nargs="?", type=Path)
    args = parser.parse_args(argv)
    if args.action == "start":
        print(start(args.folder))
    else:
        if args.folder is None:
            parser.error("stop needs the cluster's folder")
        stop(args.folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
