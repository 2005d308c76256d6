"""Subprocesses of the tests: free ports, a redis-server, a real ``celery worker``, gunicorn, this process's broker."""

import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.support import ROOT


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping())
    except redis.exceptions.RedisError:
        return False


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def reset_broker_connections(app) -> None:
    """Close the pooled broker connections, so the next publish uses the current broker_url."""
    from kombu import pools

    pools.reset()  # closes every pool and empties kombu's registry (a closed pool must not be reused)
    app._pool = None
    app.amqp._producer_pool = None
    app.control.mailbox.__dict__.pop("producer_pool", None)


class CeleryWorker:
    """A running ``celery worker`` subprocess."""

    def __init__(self, proc: subprocess.Popen, hostname: str, logfile: Path, env: dict, include: list[str]):
        self.proc = proc
        self.hostname = hostname  # e.g. for app.control.ping(destination=[worker.hostname])
        self.logfile = logfile
        self.env = env  # the environment it was started with
        self.include = include  # the extra modules it imports

    def log_text(self) -> str:
        return self.logfile.read_text(errors="replace") if self.logfile.exists() else ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send a signal (SIGKILL: crash; SIGTERM: warm shutdown). Wait with ``.proc.wait()``."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)


@contextmanager
def start_worker(*, env: dict, logdir: Path, include: list[str] = ()):
    """A ``celery worker --pool=solo`` subprocess with `env`, ready (it answered a ping) when yielded."""
    from controlpanel import celery_app

    hostname = f"pytest-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
    logfile = logdir / f"celery-worker-{hostname.split('@')[0]}.log"
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "controlpanel",
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "-n",
        hostname,
    ]
    for module in include:
        cmd += ["--include", module]
    with logfile.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = CeleryWorker(proc, hostname, logfile, env, list(include))
    try:
        deadline = time.monotonic() + 60
        while not (" ready." in worker.log_text() and celery_app.control.ping(destination=[hostname], timeout=0.5)):
            if proc.poll() is not None:
                pytest.fail(
                    f"the Celery worker exited with {proc.returncode} before it was ready:\n{worker.log_text()}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"the Celery worker was not ready after 60 s:\n{worker.log_text()}")
            time.sleep(0.1)
        yield worker
    finally:
        stop(proc, signal.SIGTERM, timeout=20)  # warm shutdown


def use_broker(app, url: str):
    saved = {key: app.conf.get(key) for key in ("broker_url", "broker_transport_options")}
    app.conf.broker_url = url
    app.conf.broker_transport_options = {}
    reset_broker_connections(app)
    return saved


def restore_broker(app, saved: dict) -> None:
    for key, value in saved.items():
        app.conf[key] = value
    reset_broker_connections(app)


@contextmanager
def redis_server(workdir: Path, port: int | None = None):
    """A private ``redis-server`` on 127.0.0.1 (`port`, else a free one), nothing kept on disk; yields its URL.

    Unlike the session's ``redis_url``, a test may stop it (and start another on the same port) at will.
    """
    import shutil

    server = shutil.which("redis-server")
    if not server:
        pytest.fail("redis-server not found; run bin/install")
    port = port or free_port()
    url = f"redis://127.0.0.1:{port}/0"
    logfile = workdir / f"redis-{port}.log"
    cmd = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    cmd += ["--daemonize", "no", "--dir", str(workdir), "--logfile", str(logfile)]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not redis_answers(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                log = logfile.read_text(errors="replace") if logfile.exists() else ""
                pytest.fail(f"could not start a private redis-server on port {port}:\n{log}")
            time.sleep(0.05)
        yield url
    finally:
        stop(proc)


@contextmanager
def gunicorn(
    *,
    port: int,
    env: dict,
    log: Path,
    options: list[str] = (),
    health_headers: dict | None = None,
    tls: tuple[Path, Path] | None = None,
):
    """gunicorn serving the panel on 127.0.0.1:`port` with `env`, once its /health answers; yields its URL and
    stops it on exit (before the test's database flush). `tls` (certificate, key): it speaks HTTPS."""
    command = [sys.executable, "-m", "gunicorn", "controlpanel.wsgi", "-b", f"127.0.0.1:{port}", *options]
    if tls:
        command += ["--certfile", str(tls[0]), "--keyfile", str(tls[1])]
    with log.open("ab") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    verify = str(tls[0]) if tls else True
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = requests.get(f"{url}/health", headers=health_headers or {}, timeout=5, verify=verify)
                if health.status_code == 200:
                    break
            except requests.RequestException:  # still starting
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield url
    finally:
        stop(server)


def self_signed_certificate(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A certificate for the IP address `host`, valid for a day, and its key, as PEM files in `folder`."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "server.crt", folder / "server.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path
