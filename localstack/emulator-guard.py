"""Runs an emulator (the command in the arguments) and ends it when the process that started it is gone.

The Airstep CLI starts MiniStack or moto for a run, `airstep dev` or `npm start`, and stops it when it is done. If
the CLI is killed outright (`kill -9`, an out-of-memory kill, a closed terminal), nothing in it runs to stop the
emulator, which would keep its port and its Lambda workers. This guard is started in a process group of its own,
with a pipe as stdin that only the CLI holds open: when the CLI ends, however it ends, the kernel closes the pipe,
the guard reads end-of-file and ends the whole group (the emulator and whatever it started). A SIGTERM to the
group (the CLI's own stop) reaches the emulator directly; the guard then waits for it and exits with its status,
so the CLI sees the guard exit only once the emulator is gone.
"""

import os
import signal
import subprocess
import sys
import threading
import time

GRACE_SECONDS = 3


def end_group():
    """SIGTERM to the group, then SIGKILL to what is left after the grace period (this process included)."""
    # This process's own SIGTERM is the no-op handler main() set (only the main thread may set handlers).
    os.killpg(0, signal.SIGTERM)
    time.sleep(GRACE_SECONDS)
    os.killpg(0, signal.SIGKILL)


def watch_starter():
    while sys.stdin.buffer.read(4096):
        pass
    end_group()


def main():
    emulator = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL)
    # The group's SIGTERM already reached the emulator: wait for it rather than end first.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: None)
    threading.Thread(target=watch_starter, daemon=True).start()
    status = emulator.wait()
    sys.exit(status if status >= 0 else 128 - status)


if __name__ == "__main__":
    main()
