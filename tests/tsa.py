"""A real RFC 3161 Time-Stamp Authority for tests: OpenSSL's own ``openssl ts -reply`` behind a
tiny HTTP server on loopback, signing with a throwaway CA made for the test; and ``openssl ts
-verify``, to hear what OpenSSL says of a token.

The service reaches it the way it reaches the platform emulator: its public-looking URL
(``LocalTsa.URL``) is sent to the loopback port by ``ARCHIVER_UPSTREAM_OVERRIDES``
(``LocalTsa.override``).
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from pathlib import Path

from tests.background import BackgroundServer, QuietHandler

#: The TSA's certificate name, as the snapshot page shows it.
NAME = "Archiver Test TSA"

_CONFIG = """\
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
dir = {folder}
serial = {folder}/serial
crypto_device = builtin
signer_cert = {folder}/tsa.pem
certs = {folder}/ca.pem
signer_key = {folder}/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.1.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""
_TSA_EXTENSIONS = (
    "basicConstraints=critical,CA:FALSE\n"
    "keyUsage=critical,digitalSignature,nonRepudiation\n"
    "extendedKeyUsage=critical,timeStamping\n"
)


def openssl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``openssl`` with ``args`` in ``cwd``; its output is kept, it must succeed."""
    done = subprocess.run(
        ["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, f"openssl {' '.join(args)}: {done.stdout}{done.stderr}"
    return done


def make_authority(folder: Path, name: str = NAME) -> None:
    """A throwaway root CA (``ca.pem``) and a TSA certificate it issued (``tsa.pem``, extended
    key usage critical ``timeStamping``), with their keys and an ``openssl ts`` config."""
    folder.mkdir(parents=True, exist_ok=True)
    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "3650", "-subj", f"/CN={name} Root",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
        "-subj", f"/CN={name}", cwd=folder,
    )  # fmt: skip
    (folder / "tsa.ext").write_text(_TSA_EXTENSIONS)
    openssl(
        "x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "tsa.pem", "-days", "3650", "-extfile", "tsa.ext",
        cwd=folder,
    )  # fmt: skip
    (folder / "serial").write_text("01\n")
    (folder / "tsa.cnf").write_text(_CONFIG.format(folder=folder))


class LocalTsa:
    """A Time-Stamp Authority on a loopback port, until closed.

    ``mode`` says how it answers a request: ``"ok"`` (a token from ``openssl ts -reply``),
    ``"down"`` (the connection is dropped unanswered), ``"garbage"`` (200 with bytes that are
    no reply) or ``"busy"`` (429 with ``Retry-After: 600``). ``requests`` counts what came.
    """

    URL = "http://timestamp.example.net/tsr"

    def __init__(self, folder: Path, name: str = NAME) -> None:
        self.folder = folder
        make_authority(folder, name)
        self.ca_file = folder / "ca.pem"
        self.mode = "ok"
        self.requests = 0
        self._lock = threading.Lock()
        tsa = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server names it so
                query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with tsa._lock:
                    tsa.requests += 1
                    mode = tsa.mode
                    answer = tsa.reply(query) if mode == "ok" else b"<html>Bad gateway</html>"
                if mode == "down":
                    self.close_connection = True
                    return
                kind = "application/timestamp-reply" if mode == "ok" else "text/html"
                waiting = {"Retry-After": "600"} if mode == "busy" else {}
                self.answer(
                    429 if mode == "busy" else 200, answer, {"Content-Type": kind} | waiting
                )

        self.background = BackgroundServer(Handler)
        self.origin = self.background.origin
        self.override = f"http://timestamp.example.net={self.origin}"

    def reply(self, query: bytes) -> bytes:
        """OpenSSL's reply to a DER ``TimeStampReq`` (``openssl ts -reply``)."""
        with tempfile.TemporaryDirectory(dir=self.folder) as work:
            where = Path(work)
            (where / "query.tsq").write_bytes(query)
            openssl(
                "ts", "-reply", "-queryfile", "query.tsq", "-config", str(self.folder / "tsa.cnf"),
                "-out", "reply.tsr", cwd=where,
            )  # fmt: skip
            return (where / "reply.tsr").read_bytes()

    def close(self) -> None:
        """Stop answering."""
        self.background.close()


def openssl_verifies(folder: Path, *, data: bytes, token: bytes, chain: bytes) -> bool:
    """Whether ``openssl ts -verify -data manifest.json -in token.tsr -CAfile chain.pem``
    says ``Verification: OK`` for these bytes (written to ``folder``)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_bytes(data)
    (folder / "token.tsr").write_bytes(token)
    (folder / "chain.pem").write_bytes(chain)
    done = subprocess.run(
        [
            "openssl", "ts", "-verify", "-data", "manifest.json", "-in", "token.tsr",
            "-CAfile", "chain.pem",
        ],
        cwd=folder, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    said = done.stdout + done.stderr
    assert ("Verification: OK" in said) == (done.returncode == 0), said
    return done.returncode == 0
