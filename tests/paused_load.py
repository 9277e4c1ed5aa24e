"""Load a delivery log with a pause at one stage, for the crash-safety tests.

    python tests/paused_load.py DB FILE STAGE SECONDS

runs loaders.load_file with an `on_stage` callback that, at STAGE ('applied', 'archived' or
'swapped'), writes "paused at STAGE pid N" to stderr and sleeps SECONDS, so that a test can
read during the load, back up, or SIGKILL it midway. Exit status 0 when the load succeeds.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loaders import LoadRequest, load_file  # noqa: E402 (after the path is set)


def main(db: str, source: str, stage: str, seconds: str) -> int:
    def pause(reached: str) -> None:
        if reached == stage:
            os.write(2, f"paused at {stage} pid {os.getpid()}\n".encode())
            time.sleep(float(seconds))

    path = Path(source)
    result = load_file(LoadRequest("deliveries", path, path.name), Path(db), on_stage=pause)
    print(result.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
