"""A private Mosquitto broker on loopback for the VDA 5050 tests (the real one, Debian's).

Started once per test session on a free port, anonymous clients allowed (loopback only), no
persistence; stopped at the end. Mosquitto missing is a failure with the install line, never a
skip (`make test` installs it: scripts/mosquitto.sh).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_server import free_port


def mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
    )
    if found is None:
        pytest.fail("mosquitto not found: run `bash scripts/mosquitto.sh install` "
                    "(apt-get install mosquitto)", pytrace=False)  # fmt: skip
    return found


@pytest.fixture(scope="session")
def mqtt_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("mosquitto")
    port = free_port()
    conf = folder / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    f"log_dest file {folder / 'mosquitto.log'}\n")  # fmt: skip
    proc = subprocess.Popen([mosquitto_binary(), "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT)  # fmt: skip
    try:
        end = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > end:
                    log = (folder / "mosquitto.log").read_text(errors="replace")[-2000:]
                    pytest.fail(f"mosquitto did not start: {log}", pytrace=False)
                time.sleep(0.1)
        yield f"mqtt://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
