"""HTTPS: given a certificate and its key, the platform serves the front door over TLS
itself, and its cookies are Secure (issue 14; docs/operations.md)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from shared.clock import ManualClock
from tests.support.oidc_provider import free_port
from tests.support.platform import RunningPlatform, running_platform
from tests.support.platform import test_settings as settings_for

pytestmark = pytest.mark.integration


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    key_file.chmod(0o600)
    return cert_file, key_file


@pytest.fixture
async def tls_platform(nats_url: str, database: str, namespace: str, clock: ManualClock, tmp_path: Path) -> AsyncIterator[RunningPlatform]:
    cert, key = self_signed(tmp_path)
    port = free_port()
    settings = settings_for(nats_url, database, namespace).model_copy(update={
        "dashboard_port": port, "tls_certfile": cert, "tls_keyfile": key,
    })
    async with running_platform(settings, clock) as running:
        running.cert = cert  # type: ignore[attr-defined]
        running.port = port  # type: ignore[attr-defined]
        yield running


async def test_the_front_door_serves_tls_and_its_cookies_are_secure(tls_platform: RunningPlatform) -> None:
    platform = tls_platform
    server = platform.wired["reporting"].server
    from shared.waiting import eventually

    await eventually(lambda: server.started, what="the front door to listen")
    trusted = ssl.create_default_context(cafile=str(platform.cert))  # type: ignore[attr-defined]
    async with httpx.AsyncClient(base_url=f"https://127.0.0.1:{platform.port}", verify=trusted) as client:
        page = await client.get("/sign-in")
        assert page.status_code == 200 and "Sign in" in page.text
        cookie = page.headers["set-cookie"].lower()
        assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{platform.port}") as plain:
        with pytest.raises(httpx.HTTPError):
            await plain.get("/sign-in")  # no page in clear
