"""aioglacier.tls: aiohttp's TLS contexts load the CA bundle on their first connection, and
verify exactly as they would have. Each check runs in a fresh interpreter (aiohttp must be
imported after install(), and the test process has imported it long before)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import asyncio, datetime, ssl, sys, tempfile
    from pathlib import Path
    from aioglacier import tls

    assert tls.install()
    import aiohttp
    from aiohttp import connector, web

    verified, unverified = connector._SSL_CONTEXT_VERIFIED, connector._SSL_CONTEXT_UNVERIFIED
    assert tls.deferred_contexts() == [verified, unverified]
    assert verified.cert_store_stats()["x509_ca"] == 0  # nothing loaded at import
    assert verified.verify_mode == ssl.CERT_REQUIRED and verified.check_hostname
    assert unverified.verify_mode == ssl.CERT_NONE and not unverified.check_hostname
    assert "set_default_verify_paths" not in vars(ssl.SSLContext)  # patch removed
    assert not tls.install()  # already imported: nothing to do

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
        .sign(key, hashes.SHA256())
    )
    tmp = Path(tempfile.mkdtemp())
    (tmp / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(tmp / "cert.pem", tmp / "key.pem")

    async def main():
        app = web.Application()
        app.router.add_get("/", lambda request: web.Response(text="hello"))
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ctx)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        url = f"https://localhost:{port}/"
        async with aiohttp.ClientSession() as session:
            try:
                await session.get(url)  # ssl=True: the verifying context, now loaded
            except aiohttp.ClientConnectorCertificateError as exc:
                print("refused:", exc.certificate_error.verify_message)
            else:
                raise AssertionError("a self-signed certificate was accepted")
            async with session.get(url, ssl=False) as response:  # the unverified context
                print("unverified:", response.status, await response.text())
        await runner.cleanup()

    asyncio.run(main())
    assert tls.deferred_contexts() == []
    fresh = ssl.create_default_context()
    assert verified.cert_store_stats() == fresh.cert_store_stats(), verified.cert_store_stats()
    print("store:", verified.cert_store_stats() == fresh.cert_store_stats())
    """
)


def test_contexts_load_on_first_connection_and_verify_as_before() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "refused: self-signed certificate",
        "unverified: 200 hello",
        "store: True",
    ]
