#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Machine-check injector for the test host (started by testhost.sh).

Follows the guest's output log; for every line that contains
"HVSEC-MCE cpu=N bank=B status=0xS mcg=0xG" it injects that machine check
through the QEMU human monitor (command "mce", local to CPU N) and writes
what it sent and what the monitor answered to the agent's log. It ends when
testhost.sh (its parent) ends.

usage: mce-agent.py MONITOR_SOCKET OUTPUT_LOG AGENT_LOG
"""
import os
import re
import socket
import sys
import time

REQ = re.compile(r'HVSEC-MCE cpu=(\d+) bank=(\d+) status=(0x[0-9a-f]+) '
                 r'mcg=(0x[0-9a-f]+)')


def monitor(path, cmd):
    """Sends one HMP command; returns the monitor's answer (or an error)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(path)
            buf = b''
            while b'(qemu) ' not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
            s.sendall(cmd.encode() + b'\n')
            buf = b''
            while buf.count(b'(qemu) ') < 1:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
            # The monitor echoes the command with terminal escapes: keep
            # only what it printed after the echo.
            text = re.sub(r'\x1b\[[0-9;]*[A-Za-z]', '',
                          buf.decode(errors='replace'))
            return text.rsplit(cmd, 1)[-1].replace('(qemu) ', '').strip()
    except OSError as e:
        return 'error: %s' % e


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    mon, out, log = sys.argv[1:]
    parent = os.getppid()
    pos = 0
    with open(log, 'a', buffering=1) as lf:
        while os.getppid() == parent:
            try:
                with open(out, 'rb') as f:
                    f.seek(pos)
                    data = f.read()
            except OSError:
                data = b''
            # Only whole lines: the guest may be half-way through one.
            end = data.rfind(b'\n') + 1
            pos += end
            for line in data[:end].decode(errors='replace').splitlines():
                m = REQ.search(line)
                if not m:
                    continue
                cmd = 'mce %s %s %s %s 0 0' % m.groups()
                lf.write('%.3f sent "%s": %s\n' % (time.time(), cmd,
                                                  monitor(mon, cmd) or 'ok'))
            time.sleep(0.1)


if __name__ == '__main__':
    main()
