# A private PostgreSQL server in a temporary folder, on a free loopback port,
# for the test suite, the load test, and for trying the shared store on one
# machine. It uses the server binaries of Debian's postgresql package (or
# $ANNOTATOR_PG_BIN); PostgreSQL refuses to run as root, so under root it
# runs as the OS user "postgres" that the package creates.
"""A throwaway PostgreSQL server: ``python -m annotator.store.throwaway`` prints its URL."""

from __future__ import annotations

import atexit
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUPERUSER = "annotator"


def find_bindir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: ``$ANNOTATOR_PG_BIN``, Debian's newest, or PATH's."""
    env = os.environ.get("ANNOTATOR_PG_BIN")
    candidates = [Path(env)] if env else []
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.name)] or [0],
        reverse=True,
    )
    candidates += versions
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(Path(found).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def missing() -> str | None:
    """Why a throwaway server cannot start here, or ``None`` when it can."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary]'; ./dev test installs it)"
    if find_bindir() is None:
        return "PostgreSQL server binaries not found (apt-get install postgresql; ./dev test installs it)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, and there is no OS user 'postgres' to run the server as"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayServer:
    """A PostgreSQL server that lives as long as this object.

    Args:
        durable: keep PostgreSQL's default durability (fsync on every commit),
            as on a real server; the default turns it off for speed (tests).

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, *, durable: bool = False) -> None:
        self.durable = durable
        self.port = 0
        self.folder: Path | None = None
        self._names = itertools.count(1)
        self._admin = None

    # -- life -----------------------------------------------------------------------
    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        bindir = find_bindir()
        assert bindir is not None
        cmd = [str(bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        return subprocess.run(
            cmd, check=check, capture_output=True, text=True, env=env, timeout=120
        )

    def start(self) -> ThrowawayServer:
        """Create the cluster and start the server.

        Raises:
            RuntimeError: PostgreSQL is missing here, or the server would not start.
        """
        reason = missing()
        if reason:
            raise RuntimeError(reason)
        self.folder = Path(tempfile.mkdtemp(prefix="annotator-pg-"))
        atexit.register(self.stop)
        if os.geteuid() == 0:
            pg = pwd.getpwnam("postgres")
            os.chown(self.folder, pg.pw_uid, pg.pw_gid)
        self.folder.chmod(0o700)
        data = self.folder / "data"
        try:
            self._run("initdb", "-D", str(data), "-A", "trust", "-U", SUPERUSER, "-E", "UTF8", "--locale=C",
                      "--no-sync")  # fmt: skip
        except subprocess.CalledProcessError as e:
            raise RuntimeError(f"initdb failed: {e.stderr.strip()[-500:]}") from None
        options = ["-h 127.0.0.1", f"-k {self.folder}", "-c max_connections=300"]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        last = ""
        for _ in range(5):  # another program may take the free port between our check and the bind
            self.port = _free_port()
            done = self._run("pg_ctl", "-D", str(data), "-w", "-t", "60", "-l", str(self.folder / "server.log"),
                             "-o", " ".join([f"-p {self.port}", *options]), "start", check=False)  # fmt: skip
            if done.returncode == 0:
                return self
            last = (
                (self.folder / "server.log").read_text(errors="replace")[-800:]
                if (self.folder / "server.log").exists()
                else done.stderr
            )
        self.stop()
        raise RuntimeError(f"the throwaway PostgreSQL server would not start: {last.strip()}")

    def stop(self) -> None:
        """Stop the server and delete its folder (idempotent)."""
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self.folder is None:
            return
        folder, self.folder = self.folder, None
        if (folder / "data" / "postmaster.pid").exists():
            self._run(
                "pg_ctl", "-D", str(folder / "data"), "-m", "immediate", "-w", "stop", check=False
            )
        shutil.rmtree(folder, ignore_errors=True)

    def __enter__(self) -> ThrowawayServer:
        return self.start() if self.folder is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- databases ------------------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        """The URL of a database on this server."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _admin_conn(self):  # type: ignore[no-untyped-def]
        import psycopg

        if self._admin is None or self._admin.closed:
            self._admin = psycopg.connect(self.url(), autocommit=True)
        return self._admin

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database; returns its URL."""
        name = name or f"annotator_{os.getpid()}_{next(self._names)}"
        self._admin_conn().execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url_or_name: str) -> None:
        """Drop a database, closing whatever connections it still has."""
        name = url_or_name.rsplit("/", 1)[-1]
        self._admin_conn().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    """Start a server, print a database URL, and wait for Ctrl-C."""
    with ThrowawayServer() as server:
        url = server.create_database("annotator")
        print(
            f"ANNOTATOR_DB={url}\n(a throwaway server: everything goes when you press Ctrl-C)",
            flush=True,
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
