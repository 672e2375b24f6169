#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host agent for the test host's requests (started by testhost.sh).

Follows the guest job's output log and acts, through the QEMU human
monitor, on two kinds of lines:

  HVSEC-MCE cpu=N bank=B status=0xS mcg=0xG   (anywhere in the line)
      injects that machine check (command "mce", local to CPU N);
  HVSEC-UNPLUG ID   (the whole line, optionally after "# ")
      unplugs device ID ("device_del ID"), only if ID is one of the
      UNPLUG_IDs testhost.sh made for that purpose (--hotplug-edu), and
      only once; any other request is refused.

Every request, what was sent and what the monitor answered, or why it was
refused, goes to the agent's log. It ends when testhost.sh (its parent)
ends.

usage: monitor-agent.py MONITOR_SOCKET OUTPUT_LOG AGENT_LOG [UNPLUG_ID...]
"""
import os
import re
import socket
import sys
import time

MCE = re.compile(r'HVSEC-MCE cpu=(\d+) bank=(\d+) status=(0x[0-9a-f]+) '
                 r'mcg=(0x[0-9a-f]+)')
UNPLUG = re.compile(r'^(?:# )?HVSEC-UNPLUG (\S+)\s*$')
UNPLUG_ID = re.compile(r'^[a-z][a-z0-9-]{0,31}$')


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


def request(line, allowed, unplugged):
    """(monitor command, None) for a request, (None, why) for a refused
    one, (None, None) for any other line. @allowed: ids that may still be
    unplugged; @unplugged: those already asked for."""
    m = MCE.search(line)
    if m:
        return 'mce %s %s %s %s 0 0' % m.groups(), None
    m = UNPLUG.match(line)
    if m:
        dev = m.group(1)
        if dev in unplugged:
            return None, 'refused "%s": already unplugged' % line.strip()
        if not UNPLUG_ID.match(dev) or dev not in allowed:
            return None, 'refused "%s": not a device the test host made ' \
                'unpluggable (%s)' % (line.strip(),
                                      ', '.join(sorted(allowed)) or 'none')
        allowed.discard(dev)
        unplugged.add(dev)
        return 'device_del %s' % dev, None
    if 'HVSEC-UNPLUG' in line:
        return None, 'refused "%s": want "HVSEC-UNPLUG ID" alone on ' \
            'the line' % line.strip()
    return None, None


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    mon, out, log = sys.argv[1:4]
    allowed, unplugged = set(sys.argv[4:]), set()
    parent = os.getppid()
    pos = 0
    with open(log, 'a', buffering=1) as lf:
        if allowed:
            lf.write('%.3f may unplug: %s\n' % (time.time(),
                                                ', '.join(sorted(allowed))))
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
                cmd, refused = request(line, allowed, unplugged)
                if refused:
                    lf.write('%.3f %s\n' % (time.time(), refused))
                if cmd:
                    lf.write('%.3f sent "%s": %s\n' % (
                        time.time(), cmd, monitor(mon, cmd) or 'ok'))
            time.sleep(0.1)


if __name__ == '__main__':
    main()
