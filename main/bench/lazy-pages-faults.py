#!/usr/bin/env python3
# Page faults and background requests in a CRIU lazy-pages daemon log (-v4), for the lazy-mode gap analysis in
# docs/benchmarks.md: python3 main/bench/lazy-pages-faults.py LAZY-PAGES.LOG...
# A fault is its "#PF at ADDR" line to the uffd_copy covering ADDR; a request is "Read ADDR N pages" to the
# uffd_copy at ADDR (background requests: N > 1). "behind": a background request was in flight when the fault came.
import re, sys

def q(v, p):
    return v[min(len(v) - 1, int(p * len(v)))] if v else 0

for path in sys.argv[1:]:
    pf, opened, reqs, faults = {}, {}, [], []
    for line in open(path, errors='replace'):
        if not line.startswith('('):
            continue
        t = float(line[1:line.index(')')]) * 1000
        m = re.search(r'#PF at 0x([0-9a-f]+)', line)
        if m:
            pf.setdefault(int(m.group(1), 16), t)
            continue
        m = re.search(r'pr\d+-\d+ Read ([0-9a-f]+) (\d+) pages', line)
        if m:
            opened[int(m.group(1), 16)] = (t, int(m.group(2)))
            continue
        m = re.search(r'uffd_copy: 0x([0-9a-f]+)/(\d+)', line)
        if m:
            a, n = int(m.group(1), 16), int(m.group(2))
            if a in opened:
                t0, pages = opened.pop(a)
                reqs.append((t0, pages, t))
            for p in [p for p in pf if a <= p < a + n]:
                faults.append((pf.pop(p), t))
    bg = [r for r in reqs if r[1] > 1]
    behind = sorted(t1 - t0 for t0, t1 in faults if any(r[0] <= t0 < r[2] for r in bg))
    alone = sorted(t1 - t0 for t0, t1 in faults if not any(r[0] <= t0 < r[2] for r in bg))
    every = sorted(behind + alone)
    service = sorted(t1 - t0 for t0, _, t1 in reqs)
    print(f'{path}: {len(every)} faults, wait ms median {q(every, .5):.2f} p90 {q(every, .9):.2f} max {every[-1] if every else 0:.1f} sum {sum(every):.0f}; '
          f'{len(behind)} behind a background request (sum {sum(behind):.0f} ms); {len(bg)} background requests, '
          f'{sum(r[1] for r in bg) * 4 / 1024:.1f} MiB, last done at {max((r[2] for r in bg), default=0):.0f} ms; '
          f'request service ms: <1 {sum(s < 1 for s in service)}, 1-10 {sum(1 <= s < 10 for s in service)}, '
          f'10-40 {sum(10 <= s < 40 for s in service)}, >=40 {sum(s >= 40 for s in service)}')
