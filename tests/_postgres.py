"""A throw-away PostgreSQL server for the store's tests (and the benchmarks).

Uses Debian's ``postgresql`` binaries (``/usr/lib/postgresql/*/bin``): ``initdb`` into a
temporary folder, ``pg_ctl start`` on a free loopback port, ``pg_ctl stop`` at the end.
PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` (or
``nobody``) user through ``runuser``. ``ATMP_TEST_DATABASE_URL`` points at an existing
server instead. When neither works, ``why_not`` says why, for the skip message.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PgServer", "start_server"]


@dataclass
class PgServer:
    """A running server (or an external one) that hands out fresh databases."""

    admin_url: str
    folder: Path | None = None
    bin_dir: Path | None = None
    run_as: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)

    def new_database(self) -> str:
        """A new empty database; its SQLAlchemy URL."""
        import psycopg

        name = f"atmp_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        base = self.admin_url.rsplit("/", 1)[0]
        return f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"

    def stop(self) -> None:
        if self.folder is None or self.bin_dir is None:
            return
        subprocess.run(
            [*self.run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> tuple[PgServer | None, str]:
    """A running server and "" — or None and the reason there is none."""
    external = os.environ.get("ATMP_TEST_DATABASE_URL")
    if external:
        return PgServer(admin_url=external.replace("postgresql+psycopg://", "postgresql://", 1)), ""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        return None, "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb): apt-get install postgresql"
    bin_dir = Path(found[-1]).parent
    run_as: list[str] = []
    owner = None
    if os.geteuid() == 0:
        for user in ("postgres", "nobody"):
            try:
                owner = pwd.getpwnam(user)
                break
            except KeyError:
                continue
        if owner is None or shutil.which("runuser") is None:
            return None, "running as root without a 'postgres' user and runuser to run the server as"
        run_as = ["runuser", "-u", owner.pw_name, "--"]
    folder = Path(tempfile.mkdtemp(prefix="atmp-pg-"))
    if owner is not None:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    os.chmod(folder, 0o700)
    port = _free_port()
    data = folder / "data"
    init = subprocess.run(
        [*run_as, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
         "--no-sync", "--locale=C"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if init.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        return None, f"initdb failed: {(init.stderr or init.stdout).strip().splitlines()[-1:]}"
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    start = subprocess.run(
        [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w",
         "-t", "60", "start"],
        capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    if start.returncode != 0:
        log = (folder / "log").read_text(errors="replace") if (folder / "log").exists() else start.stderr
        shutil.rmtree(folder, ignore_errors=True)
        return None, f"pg_ctl start failed: {log.strip().splitlines()[-1:] if log else start.returncode}"
    server = PgServer(f"postgresql://postgres@127.0.0.1:{port}/postgres", folder, bin_dir, run_as)
    return server, ""
