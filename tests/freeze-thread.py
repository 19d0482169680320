#!/usr/bin/env python3
# freeze-thread.py PID COMM: stop one thread named COMM in the process tree of
# PID (PID or any descendant: a run may measure in a worker process) and hold
# it until the watchdog of its process has fired, then let it go. The watchdog
# tests use it to make a peer or a worker fall silent from outside, with no
# fault-injection mode in the tool.
# freeze-thread.py --probe PID: can this process ptrace PID (not its child)?
#
# No sleeps stand in for conditions. The thread is stopped only once its
# process has a thread named ipcb-watchdog (started after setup, so the
# thread is past its handshake), and released once that watchdog thread has
# ended (it ends when it fires). Each wait is bounded by LIMIT_S.
#
# PTRACE_SEIZE + PTRACE_INTERRUPT stop only that thread (a SIGSTOP would stop
# the whole process, watchdog included). Exit 0 after the thread was stopped,
# the watchdog fired and the thread was released; 3 if no such thread
# appeared; 4 if ptrace was refused (the reason on stderr); 5 if the watchdog
# did not fire within LIMIT_S (the thread is released anyway).
import ctypes
import os
import sys
import time

PTRACE_DETACH = 17
PTRACE_SEIZE = 0x4206
PTRACE_INTERRUPT = 0x4207
WALL = 0x40000000
WATCHDOG = "ipcb-watchdog"
LIMIT_S = 60.0


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def tree(pid):
    """PID and its descendants, from the parent field of /proc/*/stat."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = read(f"/proc/{entry}/stat")
        if stat:
            # the name in parentheses may hold spaces: split after its ')'
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def threads(pid, comm):
    tids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            if (read(f"/proc/{pid}/task/{tid}/comm") or "").strip() == comm:
                tids.append(int(tid))
    except OSError:
        pass
    return tids


def alive(pid):
    return os.path.exists(f"/proc/{pid}")


def find_target(pid, comm):
    """(process, thread, watchdog thread) once a process of the tree has both, or None."""
    deadline = time.monotonic() + LIMIT_S
    while time.monotonic() < deadline and alive(pid):
        for p in tree(pid):
            tids, dogs = threads(p, comm), threads(p, WATCHDOG)
            if tids and dogs:
                return p, tids[0], dogs[0]
        time.sleep(0.01)
    return None


def libc():
    c = ctypes.CDLL(None, use_errno=True)
    c.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    return c


def why_refused(tid):
    why = os.strerror(ctypes.get_errno())
    scope = read("/proc/sys/kernel/yama/ptrace_scope")
    if scope is not None and scope.strip() != "0":
        why += f" (kernel.yama.ptrace_scope = {scope.strip()})"
    return f"ptrace({tid}): {why}"


def seize(c, tid):
    if c.ptrace(PTRACE_SEIZE, tid, None, None):
        print(f"freeze-thread: {why_refused(tid)}", file=sys.stderr)
        return False
    return True


def probe(pid):
    c = libc()
    if not seize(c, pid):
        return 4
    c.ptrace(PTRACE_DETACH, pid, None, None)
    return 0


def freeze(pid, comm):
    found = find_target(pid, comm)
    if found is None:
        print(f"freeze-thread: no thread named {comm} beside an {WATCHDOG} in the tree of {pid} "
              f"within {LIMIT_S:.0f} s", file=sys.stderr)
        return 3
    proc, tid, dog = found
    c = libc()
    if not seize(c, tid):
        return 4
    if c.ptrace(PTRACE_INTERRUPT, tid, None, None):
        print(f"freeze-thread: {why_refused(tid)}", file=sys.stderr)
        return 4
    os.waitpid(tid, WALL)
    deadline = time.monotonic() + LIMIT_S
    while os.path.exists(f"/proc/{proc}/task/{dog}") and time.monotonic() < deadline:
        time.sleep(0.01)
    fired = not os.path.exists(f"/proc/{proc}/task/{dog}")
    c.ptrace(PTRACE_DETACH, tid, None, None)
    if not fired:
        print(f"freeze-thread: the watchdog of {proc} did not fire within {LIMIT_S:.0f} s", file=sys.stderr)
        return 5
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--probe":
        return probe(int(sys.argv[2]))
    if len(sys.argv) != 3:
        print("usage: freeze-thread.py PID COMM | --probe PID", file=sys.stderr)
        return 2
    return freeze(int(sys.argv[1]), sys.argv[2])


if __name__ == "__main__":
    sys.exit(main())
