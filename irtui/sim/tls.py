"""TLS for the simulator, and one port that speaks both HTTP and HTTPS.

kubectl (client-go) sends a bearer token only over TLS, so the kubeconfig points at
`https://` with a certificate the simulator makes for itself at start-up (self-signed, for
127.0.0.1 and localhost, its PEM embedded in the kubeconfig as the CA). The same port also
answers plain HTTP, for the `/sim/` control API, curl and scrapers: each connection's first
byte says which it is (0x16 opens a TLS handshake).
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import socket
import ssl
import subprocess
import tempfile
from pathlib import Path

_TLS_HANDSHAKE = 0x16


def self_signed(directory: Path, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> tuple[Path, Path, bytes]:
    """(cert path, key path, cert PEM) for a fresh self-signed certificate."""
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "sim.crt", directory / "sim.key"
    try:
        pem_cert, pem_key = _with_cryptography(hosts)
        key_path.write_bytes(pem_key)
        key_path.chmod(0o600)
        cert_path.write_bytes(pem_cert)
    except ImportError:
        san = ",".join(f"IP:{h}" if _is_ip(h) else f"DNS:{h}" for h in hosts)
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", str(key_path), "-out", str(cert_path), "-days", "3650", "-subj", "/CN=irtui-sim",
             "-addext", f"subjectAltName={san}"],
            check=True, capture_output=True,
        )
    return cert_path, key_path, cert_path.read_bytes()


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def _with_cryptography(hosts: tuple[str, ...]) -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "irtui-sim")])
    now = datetime.datetime.now(datetime.timezone.utc)
    alt = [x509.IPAddress(ipaddress.ip_address(h)) if _is_ip(h) else x509.DNSName(h) for h in hosts]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    context.set_alpn_protocols(["http/1.1"])  # client-go would otherwise offer h2, which aiohttp lacks
    return context


class DualListener:
    """Accepts connections on one socket and serves each as HTTP or HTTPS, by its first byte."""

    def __init__(self, protocol_factory, context: ssl.SSLContext, host: str, port: int):
        self._factory = protocol_factory
        self._context = context
        self._sock = socket.create_server((host, port), reuse_port=False, backlog=512)
        self._sock.setblocking(False)
        self.port = self._sock.getsockname()[1]
        self._task: asyncio.Task | None = None
        self._pending: set[asyncio.Task] = set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._accept())

    async def _accept(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            conn, _ = await loop.sock_accept(self._sock)
            task = loop.create_task(self._serve(conn))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _serve(self, conn: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        conn.setblocking(False)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        readable = loop.create_future()
        loop.add_reader(conn.fileno(), lambda: readable.done() or readable.set_result(None))
        try:
            await asyncio.wait_for(readable, timeout=30)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            conn.close()
            return
        finally:
            loop.remove_reader(conn.fileno())
        try:
            first = conn.recv(1, socket.MSG_PEEK)
        except OSError:
            conn.close()
            return
        if not first:
            conn.close()
            return
        context = self._context if first[0] == _TLS_HANDSHAKE else None
        try:
            if context is None:
                await loop.connect_accepted_socket(self._factory, conn)
            else:
                await loop.connect_accepted_socket(self._factory, conn, ssl=context, ssl_handshake_timeout=10)
        except (OSError, ssl.SSLError, asyncio.TimeoutError):
            conn.close()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        for task in list(self._pending):
            task.cancel()
        self._sock.close()


def temp_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="irtui-sim-tls-"))
