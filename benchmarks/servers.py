"""The servers a benchmark run talks to, each in a process of its own (its CPU apart from the
client's), bound to loopback, started fresh with an empty data directory for every measured run.

* :class:`EmulatorServer`: aioglacier's emulator (vault API; S3 too once it serves it). The
  simulated WAN is its fault plan: every request answered after ``delay`` (``*:slow=1``).
* :class:`S3rverServer`: s3rver (Node), a third-party S3.
* :class:`MotoServer`: moto in server mode, a third-party S3 (in the test extra).

Also the few untimed control requests a run needs (create a vault or a bucket, probe a server
for S3), signed with aioglacier's own SigV4 signer over ``urllib``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO, ClassVar
from urllib.parse import quote
from xml.etree import ElementTree

from aioglacier.sigv4 import Credentials, SigV4Signer

__all__ = [
    "EMULATOR_CREDENTIALS",
    "EmulatorServer",
    "MotoServer",
    "S3rverServer",
    "Server",
    "ServerUnavailable",
    "create_bucket",
    "create_vault",
    "signed_request",
    "stored",
]

EMULATOR_CREDENTIALS = Credentials(
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)
S3RVER_CREDENTIALS = Credentials("S3RVER", "S3RVER")
REGION = "us-east-1"
_LISTENING = re.compile(r"listening on (http://\S+)")
_STARTUP_TIMEOUT = 60.0  # generous: a busy machine can take seconds to start Node or moto


class ServerUnavailable(RuntimeError):
    """A server cannot be started here (the message says why)."""


def signed_request(
    method: str,
    url: str,
    credentials: Credentials,
    service: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """Send one signed request; return its status and body (errors included)."""
    all_headers = dict(headers or {})
    sha = hashlib.sha256(body).hexdigest()
    all_headers["x-amz-content-sha256"] = sha
    all_headers.update(
        SigV4Signer(credentials, REGION, service).sign(method, url, all_headers, sha)
    )
    request = urllib.request.Request(url, data=body or None, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def create_vault(url: str, credentials: Credentials, vault: str) -> None:
    """Create ``vault`` (untimed setup)."""
    status, body = signed_request(
        "PUT",
        f"{url}/-/vaults/{vault}",
        credentials,
        "glacier",
        headers={"x-amz-glacier-version": "2012-06-01"},
    )
    if status != 201:
        raise RuntimeError(f"create vault {vault}: HTTP {status} {body[:200]!r}")


def create_bucket(url: str, credentials: Credentials, bucket: str) -> None:
    """Create ``bucket`` (untimed setup)."""
    status, body = signed_request("PUT", f"{url}/{bucket}", credentials, "s3")
    if status != 200:
        raise RuntimeError(f"create bucket {bucket}: HTTP {status} {body[:200]!r}")


def stored(
    url: str, credentials: Credentials, api: str, name: str, prefix: str = ""
) -> tuple[int, int]:
    """How many archives or objects, and how many bytes, ``name`` holds (untimed check)."""
    if api == "vault":
        status, body = signed_request(
            "GET",
            f"{url}/-/vaults/{name}",
            credentials,
            "glacier",
            headers={"x-amz-glacier-version": "2012-06-01"},
        )
        if status != 200:
            raise RuntimeError(f"describe vault {name}: HTTP {status} {body[:200]!r}")
        info = json.loads(body)
        return int(info["NumberOfArchives"]), int(info["SizeInBytes"])
    count = total = 0
    token = ""
    while True:
        query = f"list-type=2&prefix={quote(prefix, safe='')}"
        if token:
            query += f"&continuation-token={quote(token, safe='')}"
        status, body = signed_request("GET", f"{url}/{name}?{query}", credentials, "s3")
        if status != 200:
            raise RuntimeError(f"list bucket {name}: HTTP {status} {body[:200]!r}")
        root = ElementTree.fromstring(body)
        for element in root.iter():
            if element.tag.rsplit("}", 1)[-1] == "Size" and element.text:
                count += 1
                total += int(element.text)
        truncated = next(
            (e.text for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "IsTruncated"), "false"
        )
        token = next(
            (e.text or "" for e in root.iter() if e.tag.endswith("NextContinuationToken")), ""
        )
        if truncated != "true" or not token:
            return count, total


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + _STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerUnavailable(f"{what} exited at start (status {proc.returncode})")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise ServerUnavailable(f"{what} did not listen on port {port} within {_STARTUP_TIMEOUT}s")


@dataclass
class Server:
    """A started server: its URL, credentials and process."""

    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""
    apis: ClassVar[frozenset[str]] = frozenset()
    supports_delay: ClassVar[bool] = False

    url: str
    credentials: Credentials
    process: subprocess.Popen[bytes]
    data_dir: Path

    @property
    def pid(self) -> int:
        """The server's process id (its CPU is read from /proc/PID/stat)."""
        return self.process.pid

    @property
    def host_port(self) -> str:
        """``127.0.0.1:PORT`` of the URL."""
        return self.url.split("://", 1)[1]

    def stop(self) -> None:
        """Stop the server and remove its data."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.data_dir, ignore_errors=True)


@dataclass
class EmulatorServer(Server):
    """aioglacier's emulator in its own process (``python -m aioglacier.emulator``)."""

    kind: ClassVar[str] = "emulator"
    label: ClassVar[str] = "aioglacier emulator"
    apis: ClassVar[frozenset[str]] = frozenset({"vault", "s3"})
    supports_delay: ClassVar[bool] = True

    @classmethod
    def start(
        cls, data_dir: Path, delay_ms: int = 0, verify_hashes: bool = False
    ) -> EmulatorServer:
        """Start it; ``delay_ms`` > 0 answers every request after that delay (the WAN)."""
        data_dir.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "aioglacier.emulator", "--data-dir", str(data_dir)]
        if not verify_hashes:
            argv.append("--no-verify-hashes")
        if delay_ms:
            argv += ["--faults", f"*:slow=1,delay={delay_ms}ms"]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert proc.stdout is not None
        url = _read_until(proc.stdout, _LISTENING, proc)
        return cls(url, EMULATOR_CREDENTIALS, proc, data_dir)

    def serves_s3(self) -> bool:
        """Whether this emulator answers S3 requests (CreateBucket of a probe bucket)."""
        status, body = signed_request("PUT", f"{self.url}/bench-probe", self.credentials, "s3")
        return status == 200 and b"glacier" not in body.lower()


def _read_until(stream: IO[bytes], pattern: re.Pattern[str], proc: subprocess.Popen[bytes]) -> str:
    found: list[str] = []

    def read() -> None:
        for raw in stream:
            match = pattern.search(raw.decode(errors="replace"))
            if match:
                found.append(match.group(1))
                break
        # Keep draining so the server never blocks on a full pipe.
        for _ in stream:
            pass

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + _STARTUP_TIMEOUT
    while not found:
        if proc.poll() is not None:
            raise ServerUnavailable(f"server exited at start (status {proc.returncode})")
        if time.monotonic() > deadline:
            proc.kill()
            raise ServerUnavailable("server did not print its URL in time")
        time.sleep(0.02)
    return found[0]


def s3rver_command(cache: Path) -> list[str] | None:
    """The s3rver executable installed by ``python -m benchmarks setup``, or on PATH."""
    local = cache / "node" / "node_modules" / ".bin" / "s3rver"
    if local.exists():
        return [str(local)]
    found = shutil.which("s3rver")
    return [found] if found else None


@dataclass
class S3rverServer(Server):
    """s3rver 3.7.1 (Node) in its own process; credentials S3RVER/S3RVER."""

    kind: ClassVar[str] = "s3rver"
    label: ClassVar[str] = "s3rver 3.7.1"
    apis: ClassVar[frozenset[str]] = frozenset({"s3"})

    @classmethod
    def start(cls, data_dir: Path, cache: Path) -> S3rverServer:
        """Start it on a free loopback port."""
        command = s3rver_command(cache)
        if command is None:
            raise ServerUnavailable("s3rver is not installed (python -m benchmarks setup)")
        data_dir.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        env = dict(os.environ, NODE_OPTIONS="--openssl-legacy-provider")
        proc = subprocess.Popen(
            [
                *command,
                "--directory",
                str(data_dir),
                "--address",
                "127.0.0.1",
                "--port",
                str(port),
                "--silent",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(port, proc, "s3rver")
        return cls(f"http://127.0.0.1:{port}", S3RVER_CREDENTIALS, proc, data_dir)


@dataclass
class MotoServer(Server):
    """moto in server mode (``python -m moto.server``), in its own process."""

    kind: ClassVar[str] = "moto"
    label: ClassVar[str] = "moto server"
    apis: ClassVar[frozenset[str]] = frozenset({"s3"})

    @classmethod
    def start(cls, data_dir: Path) -> MotoServer:
        """Start it on a free loopback port."""
        try:
            import moto  # noqa: F401
        except ImportError:
            raise ServerUnavailable("moto is not installed (pip install 'moto[server]')") from None
        data_dir.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(port, proc, "moto server")
        return cls(f"http://127.0.0.1:{port}", EMULATOR_CREDENTIALS, proc, data_dir)
