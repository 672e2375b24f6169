#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge one or more `make check` boots of the hvsec test host.

For every boot directory (output.log from the guest job, console.log from
the kernel) this prints kunit.py's per-suite, per-case results for each
KUnit suite, each selftest's TAP lines parsed the same way, missing suites,
kernel splats and kmemleak reports. Then one line per failure ("failed: ..."),
so that the end of the output names them, and last the total:
'N passed, N failed[, N skipped]'. Exit status 0 only if nothing failed.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

SPLATS = re.compile(
    r'(BUG:|WARNING:|Oops|KASAN|general protection fault|Kernel panic|'
    r'possible circular locking|possible recursive locking|'
    r'inconsistent lock state|suspicious RCU usage|'
    r'kmemleak: .*new suspected memory leaks|Call Trace:|'
    r'UBSAN|list_add corruption|list_del corruption|'
    r'double fault|stack-protector|hung_task|soft lockup|hard LOCKUP|'
    r'rcu: INFO|unreferenced object)')


# Reports that Linux itself prints in a boot, whatever hvsec does: (what it
# is, patterns that must all match lines of the report). A report runs from
# its first line to the end of its stack trace ("</TASK>"); it is forgiven
# only if no hvsec module appears in it.
KNOWN_REPORTS = [
    ('Linux pciehp lockdep report on hot-removal (reset_lock vs '
     'pci_rescan_remove_lock in pciehp_unconfigure_device(), Linux 6.12 to '
     '7.3, also with no module loaded; lockdep is off after it)',
     [r'WARNING: possible circular locking dependency detected',
      r'is trying to acquire lock:',
      r'\(&ctrl->reset_lock\).* at: pciehp_unconfigure_device\+',
      r'but task is already holding lock:',
      r'\(pci_rescan_remove_lock\).* at: pciehp_unconfigure_device\+',
      r'Comm: irq/\d+-pciehp ']),
]
HVSEC_FRAME = re.compile(r'\[(vtd_reassign|tpm12_drtm|ring3_exec)\w*\]')


def known_reports(console):
    """Yields (what, first, last) for each forgiven report in console."""
    for i, line in enumerate(console):
        if 'possible circular locking dependency detected' not in line:
            continue
        end = i
        while end < len(console) - 1 and end - i < 300 and \
                '</TASK>' not in console[end]:
            end += 1
        block = console[i:end + 1]
        for what, pats in KNOWN_REPORTS:
            if all(any(re.search(p, ln) for ln in block) for p in pats) and \
                    not any(HVSEC_FRAME.search(ln) for ln in block):
                yield what, i, end
                break


def sections(lines):
    """Yields (kind, name, body_lines) for each marked section."""
    cur = None
    for line in lines:
        m = re.match(r'##hvsec-begin (\S+) (\S+)', line)
        if m:
            cur = (m.group(1), m.group(2), [])
            continue
        if cur and line.startswith('##hvsec-end '):
            yield cur
            cur = None
            continue
        if cur:
            cur[2].append(line)
    if cur:
        yield (cur[0], cur[1], cur[2] + ['##hvsec-truncated'])


def count_cases(group, failed_names):
    p = f = s = 0
    for case in group.get('test_cases', []):
        st = case['status']
        if st == 'PASS':
            p += 1
        elif st == 'SKIP':
            s += 1
        else:
            f += 1
            failed_names.append(f"{group.get('name', '?')}: {case.get('name', '?')}")
    for sub in group.get('sub_groups', []):
        a, b, c = count_cases(sub, failed_names)
        p, f, s = p + a, f + b, s + c
    return p, f, s


def parse_tap(kunit_py, body, failed_names):
    """Runs kunit.py parse on one KTAP/TAP document; returns counts and
    appends the names of failed cases to failed_names."""
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, 'in.ktap')
        js = os.path.join(d, 'out.json')
        with open(src, 'w') as fh:
            fh.write('\n'.join(body) + '\n')
        # kunit.py parse loops forever on some inputs (e.g. TAP 13 with
        # the plan after the results): bound it, and count a failure.
        try:
            r = subprocess.run([sys.executable, kunit_py, 'parse', '--json=' + js, src],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, errors='replace', timeout=120)
        except subprocess.TimeoutExpired:
            print('    kunit.py parse did not finish in 120 s (plan after the results?)')
            failed_names.append('kunit.py parse timed out')
            return 0, 1, 0
        for line in r.stdout.splitlines():
            if 'Test results stored in' in line:
                continue
            print('    ' + line)
        try:
            with open(js) as fh:
                p, f, s = count_cases(json.load(fh), failed_names)
        except (OSError, ValueError):
            p, f, s = 0, 0, 0
    # kunit.py exits non-zero for a document whose cases were all skipped
    # (status SKIPPED): that is a skip, not a failure.
    if r.returncode != 0 and f == 0 and not (p == 0 and s > 0):
        print('    counted as failed: kunit.py parse reported a crash or malformed output')
        failed_names.append('kunit.py parse reported a crash or malformed output')
        f = 1
    if p + f + s == 0:
        print('    counted as failed: no test result in the output')
        failed_names.append('no test result in the output')
        f = 1
    return p, f, s


def print_times(times):
    """One line of where the guest's time went: boot, KUnit modules,
    selftests, the final reload and leak scan, and the slowest items."""
    if not times:
        return
    groups = {}
    for what, sec in times:
        g = what.split(':', 1)[0]
        groups[g] = groups.get(g, 0.0) + sec
    parts = [f'{g} {sec:.0f} s' for g, sec in groups.items()]
    slow = sorted((t for t in times if ':' in t[0]), key=lambda t: -t[1])[:5]
    print('  time: ' + ', '.join(parts) + '; slowest: ' +
          ', '.join(f'{w.split(":", 1)[1]} {sec:.0f} s' for w, sec in slow))


def judge_boot(kunit_py, bootdir, expected, tally):
    name = os.path.basename(bootdir)
    print(f'=== boot {name} ===')
    try:
        with open(os.path.join(bootdir, 'output.log'), errors='replace') as fh:
            out = fh.read().splitlines()
    except OSError:
        out = []
    seen = set()
    times = []
    for line in out:
        if line.startswith(('##hvsec-boot', '##hvsec-note', '##hvsec-fatal')):
            print('  ' + line[2:])
        m = re.match(r'##hvsec-time (\S+) ([0-9.]+)$', line)
        if m:
            times.append((m.group(1), float(m.group(2))))
    print_times(times)
    for kind, sname, body in sections(out):
        if kind == 'kmemleak':
            leaks = [ln for ln in body if ln.strip()]
            if leaks:
                print(f'  kmemleak: {len(leaks)} lines of suspected leaks:')
                for ln in leaks[:40]:
                    print('    ' + ln)
                tally['failed'] += 1
                tally['why'].append(f'{name}: kmemleak: {len(leaks)} lines of suspected leaks')
            continue
        seen.add((kind, sname))
        if kind == 'kunit' and body[:1] == ['##hvsec-missing']:
            print(f'  kunit {sname}: did not run')
            tally['failed'] += 1
            tally['why'].append(f'{name}: kunit {sname}: did not run')
            continue
        tap = [ln for ln in body if not ln.startswith('##hvsec-status')]
        print(f'  {kind} {sname}:')
        names = []
        p, f, s = parse_tap(kunit_py, tap, names)
        for ln in body:
            m = re.match(r'##hvsec-status (\d+)', ln)
            if m and m.group(1) != '0' and f == 0:
                print(f'    exit status {m.group(1)}')
                names.append(f'exit status {m.group(1)}')
                f = 1
        tally['why'] += [f'{name}: {kind} {sname}: {n}' for n in names]
        tally['passed'] += p
        tally['failed'] += f
        tally['skipped'] += s
    for exp in expected:
        if exp not in seen:
            print(f'  {exp[0]} {exp[1]}: missing')
            tally['failed'] += 1
            tally['why'].append(f'{name}: {exp[0]} {exp[1]}: missing')
    if '##hvsec-done' not in out:
        print('  the guest job did not finish')
        tally['failed'] += 1
        tally['why'].append(f'{name}: the guest job did not finish')
    try:
        with open(os.path.join(bootdir, 'console.log'), errors='replace') as fh:
            console = fh.read().splitlines()
    except OSError:
        console = []
    forgiven = set()
    for what, first, last in known_reports(console):
        print(f'  known report of Linux itself, not counted: {what} '
              f'(console.log lines {first + 1}-{last + 1})')
        forgiven.update(range(first, last + 1))
    splats = [ln for i, ln in enumerate(console)
              if i not in forgiven and SPLATS.search(ln)]
    if splats:
        print(f'  kernel splat in the console ({len(splats)} lines), first ones:')
        for ln in splats[:20]:
            print('    ' + ln)
        tally['failed'] += 1
        tally['why'].append(f'{name}: kernel splat: {splats[0].strip()[:120]}')


def main():
    args = sys.argv[1:]
    extra = []
    while args[:1] == ['--failed']:
        extra.append(args[1])
        args = args[2:]
    if len(args) < 3:
        sys.exit('usage: check-report.py [--failed WHAT]... KUNIT_PY EXPECTED_LIST BOOTDIR...')
    kunit_py, expected_file, boots = args[0], args[1], args[2:]
    expected = []
    with open(expected_file) as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 2:
                expected.append((parts[0], parts[1]))
    tally = {'passed': 0, 'failed': len(extra), 'skipped': 0, 'why': list(extra)}
    for b in boots:
        judge_boot(kunit_py, b, expected, tally)
    # The end of the output is what a CI log shows first: name each failure.
    why = tally['why']
    for w in why[:30]:
        print('failed: ' + w)
    if len(why) > 30:
        print(f'failed: ... and {len(why) - 30} more (see above)')
    line = f"{tally['passed']} passed, {tally['failed']} failed"
    if tally['skipped']:
        line += f", {tally['skipped']} skipped"
    print(line)
    sys.exit(1 if tally['failed'] or not tally['passed'] else 0)


if __name__ == '__main__':
    main()
