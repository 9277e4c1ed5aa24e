"""Exit 0 when the dashboard at URL answers "ok" on Streamlit's health endpoint, else 1.

    python deploy/healthcheck.py [URL] [--wait SECONDS]

URL defaults to http://127.0.0.1:$STREAMLIT_SERVER_PORT (8501). With --wait it asks again until
the answer is "ok" or the time is up (a server that is still starting). Used by the container's
HEALTHCHECK and by CI; standard library only, so it needs nothing installed.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.request


def healthy(url: str, timeout: float = 5.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/_stcore/health", timeout=timeout) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="healthcheck.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("url", nargs="?",
                   default=f"http://127.0.0.1:{os.environ.get('STREAMLIT_SERVER_PORT') or 8501}")
    p.add_argument("--wait", type=float, default=0.0, help="keep asking for this many seconds")
    args = p.parse_args(argv)
    deadline = time.monotonic() + args.wait
    while not healthy(args.url):
        if time.monotonic() >= deadline:
            print(f"not healthy: {args.url}/_stcore/health", file=sys.stderr)
            return 1
        time.sleep(0.5)
    print(f"ok: {args.url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
