#!/usr/bin/env python3
# freeze-thread.py PID COMM SECONDS: stop one thread of PID, found by its name,
# for SECONDS, then let it go. The watchdog tests use it to make a peer or a
# worker fall silent from outside, with no fault-injection mode in the tool.
#
# PTRACE_SEIZE + PTRACE_INTERRUPT stop only that thread (a SIGSTOP would stop
# the whole process, watchdog included). Needs ptrace rights over PID (root).
# Exit 0 after the thread was stopped and released; 3 if it never appeared
# within 5 s; 4 if ptrace was refused.
import ctypes
import os
import sys
import time

PTRACE_DETACH = 17
PTRACE_SEIZE = 0x4206
PTRACE_INTERRUPT = 0x4207
WALL = 0x40000000


def find_thread(pid, comm, timeout_s=5.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/comm") as f:
                    if f.read().strip() == comm:
                        return int(tid)
        except OSError:
            pass
        time.sleep(0.01)
    return None


def main():
    pid, comm, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    tid = find_thread(pid, comm)
    if tid is None:
        print(f"freeze-thread: no thread named {comm} in {pid}", file=sys.stderr)
        return 3
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    if libc.ptrace(PTRACE_SEIZE, tid, None, None) or libc.ptrace(PTRACE_INTERRUPT, tid, None, None):
        print(f"freeze-thread: ptrace({tid}): {os.strerror(ctypes.get_errno())}", file=sys.stderr)
        return 4
    os.waitpid(tid, WALL)
    time.sleep(seconds)
    libc.ptrace(PTRACE_DETACH, tid, None, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
