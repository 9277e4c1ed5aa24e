"""Servers that tests start as processes on loopback: wait until one answers, stop it."""
from __future__ import annotations

import subprocess
import time
import urllib.request
from pathlib import Path


def wait_for(url: str, proc: subprocess.Popen, log: Path, ready=lambda body: body.strip() == b"ok",
             seconds: float = 60) -> None:
    """Poll `url` until `ready(body)`; fail with the server's log if it exits or takes too long."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if ready(response.read()):
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up: {Path(log).read_text()}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen, seconds: float = 10) -> None:
    """Terminate, and kill if it does not end within `seconds`."""
    proc.terminate()
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
