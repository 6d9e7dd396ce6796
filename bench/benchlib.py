"""What the bench scripts share: commands in namespaces, log waits, process CPU time."""

import os
import subprocess
import time


def sh(*argv, check=True, ns=None, **kw):
    """Runs argv (inside network namespace ns if given), output captured."""
    argv = (["ip", "netns", "exec", ns] if ns else []) + list(argv)
    return subprocess.run(argv, check=check, capture_output=True, text=True, **kw)


def wait_log(path, text, timeout):
    """Whether text shows up in the file at path within timeout seconds."""
    end = time.time() + timeout
    while time.time() < end:
        if os.path.exists(path) and text in open(path).read():
            return True
        time.sleep(0.1)
    return False


def proc_cpu_s(pid):
    """utime + stime of a process, all its threads, in seconds."""
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
