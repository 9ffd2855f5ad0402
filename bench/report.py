#!/usr/bin/env python3
"""Regenerates bench/RESULTS.md and its SVG charts from the JSON files in bench/results/.

Usage: python3 bench/report.py [results_dir] [output_md]

Reads the JMH result files (append-disk, append-tmpfs, batch, seed, sync, replay, resume), the
latency-loop files (latency-*.json), checkpoint.json, prealloc.json and meta.json (machine, JVM, command), all
written by bench/run.sh. Standard library only (charts are SVG written by hand).
"""
import glob
import html
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, 'results')
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, 'RESULTS.md')
REL = os.path.relpath(RESULTS, os.path.dirname(os.path.abspath(OUT)))

PAYLOADS = [64, 256, 1024, 4096]
SEED_NS = 115.0


def load(name):
    path = os.path.join(RESULTS, name + '.json')
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return json.load(f)


def short(benchmark):
    return benchmark.rsplit('.', 1)[-1]


def index(rows):
    """(method, frozenset(params)) -> row."""
    out = {}
    for r in rows:
        out[(short(r['benchmark']), tuple(sorted(r.get('params', {}).items())))] = r
    return out


def find(rows, method, **params):
    for r in rows:
        if short(r['benchmark']) != method:
            continue
        p = r.get('params', {})
        if all(str(p.get(k)) == str(v) for k, v in params.items()):
            return r
    return None


def score(r):
    return None if r is None else r['primaryMetric']['score']


def err(r):
    if r is None:
        return None
    e = r['primaryMetric'].get('scoreError')
    try:
        e = float(e)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(e) else e


def alloc(r):
    if r is None:
        return None
    m = r.get('secondaryMetrics', {}).get('gc.alloc.rate.norm')
    return None if m is None else m['score']


def fmt(v, digits=1):
    if v is None:
        return 'n/a'
    if v >= 100:
        return f'{v:,.0f}'
    if v >= 10:
        return f'{v:.1f}'
    return f'{v:.{digits + 1}f}'


def fmt_b(v):
    if v is None:
        return 'n/a'
    return '0' if v < 0.5 else f'{v:,.0f}' if v >= 10 else f'{v:.1f}'


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_x(v):
    return 'n/a' if v is None else f'{v:.2f}×'


def verdict(ok):
    return 'n/a' if ok is None else ('**met**' if ok else '**not met**')


# ----------------------------------------------------------------------------------------- charts

COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#17becf',
          '#bcbd22']


def svg_line_chart(path, title, x_labels, series, y_label, log=True):
    """series: list of (name, [value or None per x]). Log-scale y by default."""
    w, h = 760, 420
    left, right, top, bottom = 80, 230, 40, 50
    pw, ph = w - left - right, h - top - bottom
    values = [v for _, vs in series for v in vs if v is not None and v > 0]
    if not values:
        return False
    lo, hi = min(values), max(values)
    if log:
        lo_e, hi_e = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        if hi_e == lo_e:
            hi_e += 1

        def y_of(v):
            return top + ph - (math.log10(v) - lo_e) / (hi_e - lo_e) * ph
        ticks = [10 ** e for e in range(lo_e, hi_e + 1)]
    else:
        lo_e, hi_e = 0, hi * 1.1

        def y_of(v):
            return top + ph - (v - lo_e) / (hi_e - lo_e) * ph
        ticks = [hi_e * i / 5 for i in range(6)]
    n = len(x_labels)

    def x_of(i):
        return left + (pw * (i + 0.5) / n)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{w / 2 - right / 2}" y="22" text-anchor="middle" font-size="15">{html.escape(title)}</text>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="black"/>',
           f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="black"/>']
    for t in ticks:
        y = y_of(t)
        label = f'{t:g}' if t < 1e6 else f'{t:.0e}'
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    for i, label in enumerate(x_labels):
        out.append(f'<text x="{x_of(i):.1f}" y="{top + ph + 18}" text-anchor="middle">{html.escape(str(label))}</text>')
    out.append(f'<text x="18" y="{top + ph / 2}" transform="rotate(-90 18 {top + ph / 2})" '
               f'text-anchor="middle">{html.escape(y_label)}</text>')
    for k, (name, vs) in enumerate(series):
        color = COLORS[k % len(COLORS)]
        dash = ' stroke-dasharray="5,3"' if 'raw' in name.lower() else ''
        pts = [(x_of(i), y_of(v)) for i, v in enumerate(vs) if v is not None and v > 0]
        if len(pts) > 1:
            d = ' '.join(f'{x:.1f},{y:.1f}' for x, y in pts)
            out.append(f'<polyline points="{d}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        for x, y in pts:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>')
        ly = top + 10 + k * 18
        out.append(f'<line x1="{left + pw + 15}" y1="{ly}" x2="{left + pw + 35}" y2="{ly}" stroke="{color}" '
                   f'stroke-width="2"{dash}/>')
        out.append(f'<text x="{left + pw + 40}" y="{ly + 4}">{html.escape(name)}</text>')
    out.append('</svg>')
    with open(path, 'w') as f:
        f.write('\n'.join(out) + '\n')
    return True


# ----------------------------------------------------------------------------------------- report

meta = {}
if os.path.exists(os.path.join(RESULTS, 'meta.json')):
    with open(os.path.join(RESULTS, 'meta.json')) as f:
        meta = json.load(f)

append = {'disk': load('append-disk'), 'tmpfs': load('append-tmpfs')}
batch, seed, sync, replay, resume = load('batch'), load('seed'), load('sync'), load('replay'), load('resume')
PROBES = {}
if os.path.exists(os.path.join(RESULTS, 'probes.json')):
    with open(os.path.join(RESULTS, 'probes.json')) as f:
        PROBES = json.load(f)
latency = {}
for p in sorted(glob.glob(os.path.join(RESULTS, 'latency-*.json'))):
    with open(p) as f:
        d = json.load(f)
    latency[os.path.basename(p)[len('latency-'):-len('.json')]] = d

disk_dir, shm_dir = meta.get('diskDir', '?'), meta.get('shmDir', '?')
where = {'disk': f'`{disk_dir}` ({meta.get("diskFs", "?")}, a real file system)',
         'tmpfs': f'`{shm_dir}` ({meta.get("shmFs", "?")}: memory, **not** a disk)'}

md = []
md.append('# Benchmark results')
md.append('')
md.append('Generated by `bench/report.py` from the JSON files in [`results/`](results/) written by '
          '`bench/run.sh` (issue 6). Do not edit by hand: rerun the command below.')
md.append('')
md.append('## Run')
md.append('')
md.append(f'* Command: `{meta.get("command", "?").strip()}` (profile **{meta.get("profile", "?")}**), from '
          f'{meta.get("started", "?")} to {meta.get("finished", "?")} ({meta.get("seconds", "?")} s).')
md.append(f'* Machine: {meta.get("nproc", "?")} cores (`nproc`), CPU `{meta.get("cpu", "?")}`, '
          f'{meta.get("memGiB", "?")} GiB memory, Linux {meta.get("kernel", "?")}.')
md.append(f'* JVM: `{" / ".join(meta.get("java", ["?"]))}`.')
md.append(f'* Files: "disk" = {where["disk"]}; "tmpfs" = {where["tmpfs"]}. Every benchmark creates its files in '
          'a fresh temporary folder there and deletes them at the end.')
md.append(f'* Load average before/after: {" ".join(meta.get("loadBefore", []))} / '
          f'{" ".join(meta.get("loadAfter", []))}. A virtual machine whose CPU and disk are shared with '
          'others: treat differences under ~20 % as noise, and see the notes for what else ran.')
md.append('* JMH: one fork per benchmark, `-prof gc` on every benchmark (B/op = `gc.alloc.rate.norm`; '
          'values under 0.5 B/op are JMH bookkeeping and shown as 0). Error columns are JMH\'s 99.9 % '
          'intervals where it reports one.')
md.append('')

# --- append
md.append('## Append, one thread, no sync')
md.append('')
md.append('ns per append (lower is better). Benchmarks (`AppendBenchmark`):')
md.append('')
md.append('* **ours codec** `walCodecMmap` (`WalWriter.append`, the codec writing straight into the frame) and '
          '**ours claim** `walClaimMmap` (`claim` / `putBytes` / `commit`) on `MmapDirectory`, 64 MiB segments, '
          'sustained: rolls (and any wait for the spare segment being prepared) inside the loop;')
md.append('* **fallocate** `walCodecMmapFallocate`, **fallocate + warmer** `walCodecMmapWarmed`: ours codec with '
          '`Preallocation.FALLOCATE`, and with it and the page warmer (`withPageWarmer(1 MiB)`);')
md.append('* **between rolls** `walCodecMmapBetweenRolls` / `walClaimMmapBetweenRolls`: the same timed over '
          'batches of 10 000 appends that never cross a roll;')
md.append('* **memory** `walCodecMemory` / `walClaimMemory`: the same on `MemoryDirectory` (every roll allocates '
          'and zeroes a 64 MiB direct buffer on the appending thread);')
md.append('* **CQ writeBytes** / **CQ writingDocument**: Chronicle Queue 2026.4 appender, default roll cycle;')
md.append('* **FileChannel WAL**: the seed\'s design, `[len, crc32c, id, payload]` frames into a 64 KiB buffer, '
          '`FileChannel.write` when full;')
md.append('* **raw fresh** `rawFramedFreshMmap`: the physical proxy of a log that moves into new files: our frame '
          '(CRC32C, then length and CRC in one 8-byte release store) written by hand into fresh pages of a new 64 MiB '
          'mapping, each file written once, the next prepared on a background thread: **sparse** (`setLength`, Chronicle '
          'Queue\'s way), **zero-fill** (our default `Preallocation.ZERO_FILL`) or **fallocate** (`Preallocation.FALLOCATE`);')
md.append('* **raw ring**: the same frame written round and round into one preallocated, pre-touched 64 MiB mapping '
          '(no fresh page ever: the floor of the store itself);')
md.append('* **CRC32C alone**: the checksum of one frame, the floor under every column and a yardstick of the '
          'machine (the issue measured 3.6 ns at 64 B before we started).')
md.append('')

APPEND_COLS = [('walCodecMmap', {}, 'ours codec'), ('walClaimMmap', {}, 'ours claim'),
               ('walCodecMmapZeroFill', {}, 'ours codec, zero-fill'),
               ('walCodecMmapFallocate', {}, 'ours codec, fallocate'),
               ('walCodecMmapWarmed', {}, 'ours codec, fallocate + warmer'),
               ('walCodecMmapBetweenRolls', {}, 'codec, between rolls'),
               ('walClaimMmapBetweenRolls', {}, 'claim, between rolls'),
               ('walCodecMemory', {}, 'memory codec'), ('walClaimMemory', {}, 'memory claim'),
               ('chronicleWriteBytes', {}, 'CQ writeBytes'), ('chronicleWritingDocument', {}, 'CQ writingDocument'),
               ('fileChannelWal', {}, 'FileChannel WAL'),
               ('rawFramedFreshMmap', {'prep': 'sparse'}, 'raw fresh, sparse'),
               ('rawFramedFreshMmap', {'prep': 'zero-fill'}, 'raw fresh, zero-fill'),
               ('rawFramedFreshMmap', {'prep': 'fallocate'}, 'raw fresh, fallocate'),
               ('rawFramedMmap', {}, 'raw ring'), ('crc32cAlone', {}, 'CRC32C alone')]


def cq_best(rows, p):
    cq = [score(find(rows, m, payload=p)) for m in ('chronicleWriteBytes', 'chronicleWritingDocument')]
    return min([c for c in cq if c is not None], default=None)


def fresh_best(rows, p):
    fr = [score(find(rows, 'rawFramedFreshMmap', payload=p, prep=k)) for k in ('sparse', 'zero-fill', 'fallocate')]
    return min([c for c in fr if c is not None], default=None)


for kind in ('disk', 'tmpfs'):
    rows = append[kind]
    if not rows:
        continue
    cols = [(m, q, n) for m, q, n in APPEND_COLS if find(rows, m, **q) is not None]
    md.append(f'### Files on {kind}: {where[kind]}')
    md.append('')
    md.append('| payload | ' + ' | '.join(n for _, _, n in cols) + ' |')
    md.append('|---:|' + '---:|' * len(cols))
    for p in PAYLOADS:
        cells = []
        for m, q, _ in cols:
            r = find(rows, m, payload=p, **q)
            cells.append(fmt(score(r)) if r else 'n/a')
        md.append(f'| {p} B | ' + ' | '.join(cells) + ' |')
    md.append('')
    md.append('Allocation, B/op:')
    md.append('')
    md.append('| payload | ' + ' | '.join(n for _, _, n in cols) + ' |')
    md.append('|---:|' + '---:|' * len(cols))
    for p in PAYLOADS:
        md.append(f'| {p} B | ' + ' | '.join(fmt_b(alloc(find(rows, m, payload=p, **q))) for m, q, _ in cols) + ' |')
    md.append('')
    md.append('Ratios. "÷ fresh raw": our time per append ÷ the faster raw write into fresh pages of new mappings '
              '(issue 14\'s target ≤ 1.2×); "÷ ring": ÷ the pre-touched raw ring (no fresh pages at all); "our '
              'throughput ×": the peer\'s time ÷ ours, i.e. how many times the peer\'s throughput we reach (> 1 = ours '
              'faster; Chronicle: its faster API; target ≥ 1.5×):')
    md.append('')
    md.append('| payload | codec ÷ fresh raw | claim ÷ fresh raw | codec ÷ ring | codec between rolls ÷ ring '
              '| our throughput × CQ\'s | our throughput × FileChannel WAL\'s |')
    md.append('|---:|---:|---:|---:|---:|---:|---:|')
    for p in PAYLOADS:
        raw = score(find(rows, 'rawFramedMmap', payload=p))
        fresh = fresh_best(rows, p)
        codec = score(find(rows, 'walCodecMmap', payload=p))
        claim = score(find(rows, 'walClaimMmap', payload=p))
        quiet = score(find(rows, 'walCodecMmapBetweenRolls', payload=p))
        fc = score(find(rows, 'fileChannelWal', payload=p))
        md.append(f'| {p} B | {fmt_x(ratio(codec, fresh))} | {fmt_x(ratio(claim, fresh))} | {fmt_x(ratio(codec, raw))} '
                  f'| {fmt_x(ratio(quiet, raw))} | {fmt_x(ratio(cq_best(rows, p), codec))} | {fmt_x(ratio(fc, codec))} |')
    md.append('')
    chart = f'append-{kind}.svg'
    series = [(n, [score(find(rows, m, payload=p, **q)) for p in PAYLOADS]) for m, q, n in cols]
    if svg_line_chart(os.path.join(RESULTS, chart), f'Append cost by payload, files on {kind}',
                      [f'{p} B' for p in PAYLOADS], series, 'ns per append (log)'):
        md.append(f'![append cost by payload, {kind}]({REL}/{chart})')
        md.append('')

# --- batch
if batch:
    md.append('## appendBatch (disk, sustained, no sync)')
    md.append('')
    md.append('`AppendBatchBenchmark`: `WalWriter.appendBatch(list)` on `MmapDirectory`. The returned `long[]` of '
              'ids is the allocation.')
    md.append('')
    md.append('| batch | payload | ns per batch | ns per entry | B per batch | single `append` (same payload), ns |')
    md.append('|---:|---:|---:|---:|---:|---:|')
    for r in sorted(batch, key=lambda r: (int(r['params']['batch']), int(r['params']['payload']))):
        b, p = int(r['params']['batch']), int(r['params']['payload'])
        single = score(find(append['disk'], 'walCodecMmap', payload=p))
        md.append(f'| {b} | {p} B | {fmt(score(r))} | {fmt(score(r) / b)} | {fmt_b(alloc(r))} | {fmt(single)} |')
    md.append('')

# --- seed
if seed:
    md.append('## The seed\'s workload: 10 000 `AddSegment` entries, fresh WAL, no sync')
    md.append('')
    md.append(f'`SeedWorkloadBenchmark`, ns per entry. The seed crate measured {SEED_NS:.0f}–122 ns per entry '
              '(target: 8× faster, ≤ 14.4 ns). 1 MiB segments (the 10 000 frames take 400 KB).')
    md.append('')
    md.append('| files on | pre-touch | append10k (writer created untimed) | create + append + close | vs seed 115 ns '
              '| replayEach (decoded) | replayFrames (zero-alloc) | B/op append / replayEach |')
    md.append('|---|---|---:|---:|---:|---:|---:|---:|')
    dirs = sorted({r['params']['dir'] for r in seed})
    touches = sorted({r['params'].get('preTouch') for r in seed if r['params'].get('preTouch')})
    for d in dirs:
        kind = 'tmpfs' if d == shm_dir else 'disk' if d == disk_dir else d
        rp = find(seed, 'replay10k', dir=d)
        rf = find(seed, 'replayFrames10k', dir=d)
        for t in touches:
            a = find(seed, 'append10k', dir=d, preTouch=t)
            c = find(seed, 'createAppendClose10k', dir=d, preTouch=t)
            md.append(f'| {kind} (`{d}`) | {t} | {fmt(score(a))} | {fmt(score(c))} | {fmt_x(ratio(SEED_NS, score(a)))} faster '
                      f'| {fmt(score(rp))} | {fmt(score(rf))} | {fmt_b(alloc(a))} / {fmt_b(alloc(rp))} |')
    md.append('')
    md.append('`AUTO` is the default (on a disk it touches nothing ahead, and the appending thread takes the first-store '
              'fault of each page); `WRITE` stores into every page of a spare on the preparing thread, for writers that '
              'do not sync (see `PreTouch`).')
    md.append('')

# --- sync
if sync:
    md.append('## Durability barriers (disk)')
    md.append('')
    md.append('`MmapForceBenchmark`, µs per barrier: `batch` frames of 88 B (64 B payload) stored, then made durable. '
              '`walFlushAndSync` = `batch` `WalWriter.append`s + one `flushAndSync()` on `MmapDirectory`.')
    md.append('')
    md.append('| batch | walFlushAndSync | msync range | fdatasync | fsync | ours ÷ fastest raw | B/op ours / fdatasync |')
    md.append('|---:|---:|---:|---:|---:|---:|---:|')
    for b in sorted({int(r['params']['batch']) for r in sync}):
        ours = find(sync, 'walFlushAndSync', batch=b)
        ms, fd, fs = (find(sync, m, batch=b) for m in ('msyncRange', 'fdatasync', 'fsync'))
        fastest = min([s for s in (score(ms), score(fd)) if s is not None], default=None)
        md.append(f'| {b} | {fmt(score(ours))} ± {fmt(err(ours))} | {fmt(score(ms))} | {fmt(score(fd))} '
                  f'| {fmt(score(fs))} | {fmt_x(ratio(score(ours), fastest))} | {fmt_b(alloc(ours))} / {fmt_b(alloc(fd))} |')
    md.append('')
    if any(k.startswith('barrierPair.') for k in PROBES):
        md.append('The virtual disk\'s barrier time drifts by 2× between trials, so JMH trials run one after the other '
                  'compare badly. `Probes` therefore also alternates the three one for one (a raw store + `fdatasync`, '
                  'a raw store + ranged `msync`, our appends + `flushAndSync`: 1 500 rounds per append and 600 per batch of 64, '
                  'on the same disk) and compares medians:')
        md.append('')
        md.append('| batch | flushAndSync median, µs | raw fdatasync median, µs | raw msync range median, µs | ours ÷ faster raw |')
        md.append('|---:|---:|---:|---:|---:|')
        for b in (1, 64):
            if f'barrierPair.batch{b}.ratio' in PROBES:
                md.append(f'| {b} | {fmt(PROBES[f"barrierPair.batch{b}.flushAndSyncMedianUs"])} '
                          f'| {fmt(PROBES[f"barrierPair.batch{b}.rawFdatasyncMedianUs"])} '
                          f'| {fmt(PROBES.get(f"barrierPair.batch{b}.rawMsyncMedianUs"))} '
                          f'| {fmt_x(PROBES[f"barrierPair.batch{b}.ratio"])} |')
        md.append('')


def frame_bytes(mib, payload):
    slot = (24 + payload + 7) // 8 * 8
    n = (mib << 20) // slot
    return (n + 1) * slot


# --- replay / resume
replay_gbs = None
if replay:
    md.append('## Replay and resume (disk)')
    md.append('')
    md.append('`ReplayResumeBenchmark`. Replay: `WalReader.replayFrames(STRICT, ...)`, every CRC checked, 1 KiB '
              'payloads, 64 MiB segments; the WAL was just written, so it is in the page cache (CPU and memory '
              'path, not disk reads). GB/s = frame bytes ÷ time (10^9 bytes).')
    md.append('')
    md.append('| WAL | ms per replay | GB/s | B/op |')
    md.append('|---:|---:|---:|---:|')
    for r in replay:
        mib, p = int(r['params']['walMiB']), int(r['params']['payload'])
        gbs = frame_bytes(mib, p) / (score(r) / 1000) / 1e9
        replay_gbs = gbs if replay_gbs is None else max(replay_gbs, gbs)
        md.append(f'| {mib} MiB | {fmt(score(r))} | {gbs:.2f} | {fmt_b(alloc(r))} |')
    md.append('')
resume_rows = sorted(resume, key=lambda r: int(r['params']['walMiB']))
if resume_rows:
    md.append('Resume: `WalWriter.resume` + `close` of a WAL of the given size (closed after two `flushAndSync`s, '
              'so its last segment records a durable watermark).')
    md.append('')
    md.append('| WAL | ms per resume + close | ÷ smallest |')
    md.append('|---:|---:|---:|')
    base = score(resume_rows[0])
    for r in resume_rows:
        md.append(f'| {r["params"]["walMiB"]} MiB | {fmt(score(r))} ± {fmt(err(r))} | {fmt_x(ratio(score(r), base))} |')
    md.append('')

# --- latency
LAT_KEYS = [('p50', 'p50'), ('p90', 'p90'), ('p99', 'p99'), ('p99_9', 'p99.9'), ('p99_99', 'p99.99'),
            ('p99_999', 'p99.999'), ('max', 'max')]


def lat_label(d):
    if d['system'] != 'ours':
        return d['system']
    if d.get('warmer'):
        return f'ours, {d.get("prealloc")} + warmer {d["warmer"] // 1024} KiB'
    return f'ours, {d.get("prealloc")}, no warmer'


def lat_find(rate, system, warm):
    for d in latency.values():
        if d['rate'] == rate and d['system'] == system and bool(d.get('warmer')) == warm:
            return d
    return None


if latency:
    any_lat = next(iter(latency.values()))
    md.append('## Latency, fixed rate, no coordinated omission (disk)')
    md.append('')
    md.append('`LatencyLoop` (a plain main in the same jar): 64 B appends at a fixed rate after a warm-up; each '
              'latency is measured from the operation\'s **intended** start on the fixed schedule, so a stall is '
              'charged to every append queued behind it. Ours: `WalWriter.append` on `MmapDirectory` with '
              f'{any_lat.get("segmentBytes", 0) // (1024 * 1024) or 4} MiB segments (many rolls; a janitor thread '
              'deletes old segments off the hot thread), with the default options and with `fallocate` + the page '
              'warmer; Chronicle: `writingDocument()`; raw: the raw framed store into a pre-touched ring (the floor of '
              'the loop on this machine). Values in µs. The last columns say why the tail is what it is, for the '
              'appending thread while recording: appends whose own service time was ≥ 50 µs (count and total), its '
              'time waiting in the run queue (another thread on its core), its involuntary context switches, its minor '
              'page faults, and the machine\'s steal time (`/proc`).')
    md.append('')
    for rate in sorted({d['rate'] for d in latency.values()}, reverse=True):
        rows = [d for d in latency.values() if d['rate'] == rate]
        order = {'ours': 0, 'chronicle': 2, 'raw': 3}
        rows.sort(key=lambda d: (order.get(d['system'], 9), bool(d.get('warmer'))))
        md.append(f'### {rate:,} appends/s ({rows[0]["ops"]:,} recorded after {rows[0]["warmup"]:,})')
        md.append('')
        md.append('| system | ' + ' | '.join(n for _, n in LAT_KEYS)
                  + ' | rolls | roll service p50 / max | achieved rate | B/op | stalls ≥ 50 µs (ms total) '
                    '| run-queue wait, ms | involuntary switches | minor faults | steal, ms |')
        md.append('|---|' + '---:|' * len(LAT_KEYS) + '---:|---:|---:|---:|---:|---:|---:|---:|---:|')
        for d in rows:
            roll = (f'{d["rollP50"] / 1000:,.0f} / {d["rollMax"] / 1000:,.0f}' if d.get('rollCount') else '')
            stalls = f'{d.get("stalls", 0):,} ({d.get("stallNanos", 0) / 1e6:,.1f})' if 'stalls' in d else 'n/a'
            sched = ' | '.join(f'{d[k] / 1e6:,.1f}' if k in d and d[k] >= 0 else 'n/a'
                               for k in ('runQueueWaitNanos',)) + ' | ' + \
                ' | '.join(f'{d[k]:,}' if k in d and d[k] >= 0 else 'n/a' for k in ('involuntarySwitches', 'minorFaults')) + \
                ' | ' + (f'{d["stealNanos"] / 1e6:,.0f}' if d.get('stealNanos', -1) >= 0 else 'n/a')
            md.append(f'| {lat_label(d)} | ' + ' | '.join(f'{d[k] / 1000:,.2f}' for k, _ in LAT_KEYS)
                      + f' | {d.get("rolls", 0)} | {roll} | {d.get("achievedRate", 0):,.0f}/s '
                      f'| {fmt_b(d.get("allocatedBytesPerOp"))} | {stalls} | {sched} |')
        md.append('')
        raw = lat_find(rate, 'raw', False)
        cq = lat_find(rate, 'chronicle', False)
        if raw and cq:
            md.append('Ratios (ours ÷ raw; ours ÷ Chronicle):')
            md.append('')
            md.append('| ours | ' + ' | '.join(n for _, n in LAT_KEYS[:5]) + ' |')
            md.append('|---|' + '---:|' * 5)
            for warm in (False, True):
                o = lat_find(rate, 'ours', warm)
                if o:
                    md.append(f'| {lat_label(o)} | ' + ' | '.join(
                        f'{fmt_x(ratio(o[k], raw[k]))}; {fmt_x(ratio(o[k], cq[k]))}' for k, _ in LAT_KEYS[:5]) + ' |')
            md.append('')
        tag = f'latency-{rate // 1000}k.svg'
        series = [(lat_label(d), [d[k] / 1000 for k, _ in LAT_KEYS]) for d in rows]
        if svg_line_chart(os.path.join(RESULTS, tag), f'Append latency percentiles at {rate:,}/s (fixed rate, no CO)',
                          [n for _, n in LAT_KEYS], series, 'µs (log)'):
            md.append(f'![latency percentiles at {rate:,}/s]({REL}/{tag})')
            md.append('')

# --- tailer (issue 15)
TAIL = {}
for p_ in sorted(glob.glob(os.path.join(RESULTS, 'tailer-*.json'))):
    with open(p_) as f:
        TAIL[os.path.basename(p_)[len('tailer-'):-len('.json')]] = json.load(f)
if TAIL:
    md.append('## Following a writer: writer → tailer latency and seek (disk)')
    md.append('')
    any_t = next((d for k, d in TAIL.items() if k != 'seek'), None)
    if any_t:
        md.append(f'`TailerLatency` (a plain main in the same jar): a writer appends {any_t["payload"]} B entries at '
                  f'{any_t["rate"]:,}/s on a fixed schedule, each carrying the instant it was meant to be written; a '
                  'tailer spinning on `poll` records receive time − intended time ({:,} recorded after {:,}; no '
                  'coordinated omission). Ours: `WalWriter.append` → `WalTailer.pollFrames` (visible entries, in '
                  'place) on `MmapDirectory`; Chronicle: `writingDocument()` → `ExcerptTailer.readingDocument()`. '
                  'Threads: writer and tailer in one JVM; processes: the writer in a child JVM. Values in µs; both '
                  'spinning threads share the 2 cores with everything else.'.format(any_t['ops'], any_t['warmup']))
        md.append('')
        md.append('| system | across | p50 | p90 | p99 | p99.9 | p99.99 | max |')
        md.append('|---|---|---:|---:|---:|---:|---:|---:|')
        for across in ('threads', 'processes'):
            for system in ('ours', 'chronicle'):
                d = TAIL.get(f'{system}-{across}')
                if d:
                    md.append(f'| {system} | {across} | ' + ' | '.join(f'{d[k] / 1000:,.2f}' for k in
                              ('p50', 'p90', 'p99', 'p99_9', 'p99_99', 'max')) + ' |')
        md.append('')
    sk = TAIL.get('seek')
    if sk:
        md.append(f'Seek: `WalTailer.open` at an entry id of a {sk["walMiB"]} MiB WAL ({sk["entries"]:,} entries of 1 KiB, '
                  f'64 MiB segments) and the first poll delivering it, {sk["seeks"]} ids (the last and random ones): '
                  f'median {sk["seekMedianNs"] / 1e6:,.2f} ms, min {sk["seekMinNs"] / 1e6:,.2f} ms, max '
                  f'{sk["seekMaxNs"] / 1e6:,.2f} ms.')
        md.append('')

# --- checkpoints at scale
CKPT = {}
if os.path.exists(os.path.join(RESULTS, 'checkpoint.json')):
    with open(os.path.join(RESULTS, 'checkpoint.json')) as f:
        CKPT = json.load(f)
if CKPT:
    md.append('## Checkpoints at scale (disk)')
    md.append('')
    md.append(f'`CheckpointScale` (a plain main in the same jar): the state `durability demo --entries '
              f'{CKPT["entries"]:,}` builds ({CKPT["segments"]:,} segments, a {CKPT["checkpointBytes"] / 1e6:.1f} MB '
              f'checkpoint), medians of {CKPT["reps"]} repetitions. Publish = `CheckpointPublisher.publish` (encode, '
              'durable write, WAL marker); recover = `RecoveryManager.recoverLatest` (find the marker, read and decode '
              'the checkpoint, replay the WAL after it: every frame of the WAL is CRC-checked); floor = read the '
              'checkpoint file\'s bytes and CRC32C them; raw durable write = the same bytes written to a new file, '
              '`fdatasync`, rename, folder `fsync`.')
    md.append('')
    md.append('| step | median, ms | all runs | ÷ floor | ÷ raw durable write |')
    md.append('|---|---:|---|---:|---:|')
    fl, rw = CKPT['floorMs'], CKPT.get('rawWriteMs')
    md.append(f'| publish | {fmt(CKPT["publishMs"])} | {CKPT["publishAll"]} | {fmt_x(ratio(CKPT["publishMs"], fl))} '
              f'| {fmt_x(ratio(CKPT["publishMs"], rw))} |')
    if 'encodeMs' in CKPT:
        md.append(f'| of which: encode the state (`CheckpointFile.encode`) | {fmt(CKPT["encodeMs"])} | | '
                  f'{fmt_x(ratio(CKPT["encodeMs"], fl))} | |')
    md.append(f'| recover | {fmt(CKPT["recoverMs"])} | {CKPT["recoverAll"]} | {fmt_x(ratio(CKPT["recoverMs"], fl))} | |')
    md.append(f'| of which: read + decode the checkpoint | {fmt(CKPT["readDecodeMs"])} | | '
              f'{fmt_x(ratio(CKPT["readDecodeMs"], fl))} | |')
    if 'walScanMs' in CKPT:
        md.append(f'| one strict scan of the whole WAL ({CKPT["walBytes"] / 1e6:.1f} MB of segment files), for '
                  f'comparison | {fmt(CKPT["walScanMs"])} | | {fmt_x(ratio(CKPT["walScanMs"], fl))} | |')
    md.append(f'| floor: read + CRC32C | {fmt(fl)} | {CKPT["floorAll"]} | 1.00× | |')
    if rw is not None:
        md.append(f'| raw durable write | {fmt(rw)} | | {fmt_x(ratio(rw, fl))} | 1.00× |')
    md.append('')

# --- zero-fill against fallocate (JMH, both file systems)
APRE, SPRE = load('append-prealloc'), load('seed-prealloc')
if APRE or SPRE:
    md.append('## Zero-fill against fallocate')
    md.append('')
    md.append('`AppendBenchmark.walCodecMmapZeroFill` / `walCodecMmapFallocate` (sustained 64 MiB segments, rolls '
              'inside) and `SeedWorkloadBenchmark.append10k` (10 000 entries into a fresh WAL of 1 MiB segments, '
              'pre-touch AUTO) with each `Preallocation`, ns per append:')
    md.append('')
    md.append('| files on | workload | zero-fill | fallocate | fallocate ÷ zero-fill |')
    md.append('|---|---|---:|---:|---:|')
    for d in sorted({r['params']['dir'] for r in APRE + SPRE}):
        kind = 'tmpfs' if d == shm_dir else 'disk' if d == disk_dir else d
        for p_ in PAYLOADS:
            z, f_ = (score(find(APRE, m, dir=d, payload=p_)) for m in ('walCodecMmapZeroFill', 'walCodecMmapFallocate'))
            if z is not None or f_ is not None:
                md.append(f'| {kind} | sustained append {p_} B | {fmt(z)} | {fmt(f_)} | {fmt_x(ratio(f_, z))} |')
        z, f_ = (score(find(SPRE, 'append10k', dir=d, prealloc=k)) for k in ('ZERO_FILL', 'FALLOCATE'))
        if z is not None or f_ is not None:
            md.append(f'| {kind} | seed workload (burst of 10 000) | {fmt(z)} | {fmt(f_)} | {fmt_x(ratio(f_, z))} |')
    md.append('')

# --- preallocation probe
PRE = {}
if os.path.exists(os.path.join(RESULTS, 'prealloc.json')):
    with open(os.path.join(RESULTS, 'prealloc.json')) as f:
        PRE = json.load(f)
if PRE:
    md.append('## Preallocation, ranged barriers and the page warmer (disk)')
    md.append('')
    md.append(f'`PreallocationProbe` (a plain main in the same jar): every configuration once per round, '
              f'{PRE["rounds"]} rounds, medians; sustained `append` across 64 MiB segments (rolls and first stores '
              'included) and `flushAndSync` after every 64 appends of 64 B, through the public API.')
    md.append('')
    md.append('| configuration | append 64 B, ns | append 1 KiB, ns | flushAndSync per 64, µs |')
    md.append('|---|---:|---:|---:|')
    for k in ('default', 'fallocate', 'rangedMsync', 'warmer', 'fallocateWarmer'):
        if f'{k}.name' in PRE:
            md.append(f'| {PRE[k + ".name"]} | {fmt(PRE[k + ".append64Ns"])} | {fmt(PRE[k + ".append1kNs"])} '
                      f'| {fmt(PRE[k + ".syncEvery64Us"])} |')
    md.append('')

# --- group commit (issue 16)
GC = {}
if os.path.exists(os.path.join(RESULTS, 'group-commit.json')):
    with open(os.path.join(RESULTS, 'group-commit.json')) as f:
        GC = json.load(f)
if GC:
    md.append('## Group commit and durable acks (issue 16, disk)')
    md.append('')
    md.append(f'`GroupCommitProbe` (a plain main in the same jar), files in `{GC.get("dir")}`, {GC.get("jvm")}; every '
              f'mode once per round, {GC.get("rounds", "?")} rounds interleaved, medians. Appends of '
              f'{GC["payloadBytes"]} B (88-byte frames). The raw rows are the physical proxy: 88-byte stores into a '
              'zero-filled mapped file, and for "continuous" a second thread running `fdatasync` back to back; no '
              'library code.')
    md.append('')
    md.append('| mode | appends/s | × no sync | appends per barrier |')
    md.append('|---|---:|---:|---:|')
    ns = GC.get('throughput.noSync.appendsPerSec')
    labels = [('noSync', 'ours, no sync'), ('sync64', 'ours, flushAndSync every 64 on the appending thread'),
              ('every1ms', 'ours, SyncPolicy.every(1 ms)'), ('continuous', 'ours, SyncPolicy.continuous()'),
              ('chronicleNoSync', 'Chronicle Queue, no sync'),
              ('chronicleSync64', 'Chronicle Queue, SyncMode.SYNC + appender.sync() every 64'),
              ('rawNoSync', 'raw stores, no sync'), ('rawContinuous', 'raw stores + fdatasync loop on a second thread')]
    for k, label in labels:
        v = GC.get(f'throughput.{k}.appendsPerSec')
        if v is None:
            continue
        per = GC.get(f'throughput.{k}.appendsPerBarrier')
        md.append(f'| {label} | {v:,.0f} | {fmt_x(ratio(v, ns))} | {"" if not per else f"{per:,.0f}"} |')
    md.append('')
    md.append(f'Ack latency at {GC["ack.ratePerSec"]:,} appends/s (paced; from the intended send time to the '
              'completed barrier that reported the entry durable, so queueing behind a slow barrier counts), '
              f'medians of the rounds\' percentiles, max over all rounds. One raw barrier (64 frames stored, then '
              f'`fdatasync`, alone): p50 {fmt(GC["rawBarrier.p50Us"])} µs, p99 {fmt(GC["rawBarrier.p99Us"])} µs, '
              f'p99.9 {fmt(GC["rawBarrier.p999Us"])} µs.')
    md.append('')
    md.append('| mode | p50 µs | p99 µs | p99.9 µs | max µs | entries per barrier (p50) | barrier mean µs |')
    md.append('|---|---:|---:|---:|---:|---:|---:|')
    for k, label in (('sync64', 'ours, flushAndSync every 64 (appending thread)'), ('every1ms', 'ours, every 1 ms'),
                     ('continuous', 'ours, continuous'), ('rawContinuous', 'raw stores + fdatasync loop')):
        if f'ack.{k}.p50Us' not in GC:
            continue
        bm = GC.get(f'ack.{k}.barrierMeanUs')
        md.append(f'| {label} | {fmt(GC[f"ack.{k}.p50Us"])} | {fmt(GC[f"ack.{k}.p99Us"])} | {fmt(GC[f"ack.{k}.p999Us"])} '
                  f'| {fmt(GC[f"ack.{k}.maxUs"])} | {GC[f"ack.{k}.entriesPerBarrierP50"]:,.0f} | {"" if bm is None else fmt(bm)} |')
    md.append('')

# --- replication (issue 17)
REPL = {}
if os.path.exists(os.path.join(RESULTS, 'replication.json')):
    with open(os.path.join(RESULTS, 'replication.json')) as f:
        REPL = json.load(f)
if REPL and 'inflight' in REPL:
    md.append('## Replication on Apache Ratis (issue 17, loopback)')
    md.append('')
    md.append('`ReplicationBench` (a plain main in the same jar): three member JVMs on 127.0.0.1 and a writer in the bench '
              'JVM keeping N appends in flight (a permit per append, given back by its acknowledgement), beside our local '
              'WAL on the same disk in the same run (continuous group commit with N in flight; flushAndSync per append). '
              f'Each point: {REPL["warmupSeconds"]:.0f} s of warm-up ({REPL["firstWarmupSeconds"]:.0f} s for the first '
              f'of each mode), then a {REPL["seconds"]:.0f} s window. Latency is from the append call to its '
              'acknowledgement. CPU is user + system time per acknowledged append (writer: the bench JVM; members: the '
              'sum of n1-n3); disk is `/proc/<pid>/io` write_bytes per payload byte (members summed); JIT is the '
              'compilations finished in the window, in any of the processes.')
    md.append('')
    md.append('| mode | payload B | in flight | appends/s | ack p50 µs | ack p99 µs | ack p99.9 µs | writer CPU µs/ack '
              '| members CPU µs/ack | disk B per B | JIT compiles |')
    md.append('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    labels = {'replicated': 'replicated', 'localContinuous': 'local, continuous group commit',
              'localSyncEach': 'local, flushAndSync per append'}
    keys = [k[:-len('.acksPerSec')] for k in REPL if k.endswith('.acksPerSec')]
    for k in keys:
        mode, p, n = k.split('.')
        members = [m for m in ('n1', 'n2', 'n3') if f'{k}.{m}.cpuUsPerAck' in REPL]
        def total(field, procs):
            vs = [REPL.get(f'{k}.{q}.{field}') for q in procs]
            return None if not vs or None in vs else sum(vs)
        disk = total('diskWriteBytesPerPayloadByte', ['writer'] + members)
        jit = total('jitCompiles', ['writer'] + members)
        md.append(f'| {labels.get(mode, mode)} | {p[1:]} | {n[1:]} | {REPL[k + ".acksPerSec"]:,.0f} '
                  f'| {fmt(REPL[k + ".ackP50Us"])} | {fmt(REPL[k + ".ackP99Us"])} | {fmt(REPL[k + ".ackP999Us"])} '
                  f'| {fmt(REPL.get(k + ".writer.cpuUsPerAck"))} | {fmt(total("cpuUsPerAck", members)) if members else ""} '
                  f'| {fmt(disk)} | {"n/a" if jit is None else jit} |')
    md.append('')
    if REPL.get('failover.rounds'):
        rounds = range(1, REPL['failover.rounds'] + 1)
        md.append(f'Failover (election timeout {REPL.get("failover.election", "?")}, members and writer alike): a writer keeps '
                  f'{REPL["failover.inflight"]} appends of {REPL["failover.payload"]} B in flight; after 2 s of steady '
                  'acknowledgements the leader is killed (SIGKILL), then started again on its folder. Failover: from the kill '
                  'to the acknowledgement of the first append sent after it; ack gap: the longest interval between '
                  'consecutive acknowledgements around the kill; catch-up: from the restart until the member has applied '
                  'what the group committed while it was away.')
        md.append('')
        md.append('| round | leader killed | failover ms | ack gap ms | restart ms | catch-up ms | failed | resent |')
        md.append('|---:|---|---:|---:|---:|---:|---:|---:|')
        for r in rounds:
            k = f'failover.r{r}.'
            md.append(f'| {r} | {REPL.get(k + "leader")} | {fmt(REPL.get(k + "failoverMs"))} | {fmt(REPL.get(k + "ackGapMs"))} '
                      f'| {fmt(REPL.get(k + "restartMs"))} | {fmt(REPL.get(k + "catchUpMs"))} | {REPL.get(k + "failed")} '
                      f'| {REPL.get(k + "resent")} |')
        md.append(f'| p50 | | {fmt(REPL.get("failover.failoverP50Ms"))} | {fmt(REPL.get("failover.ackGapP50Ms"))} | | | | |')
        md.append(f'| max | | {fmt(REPL.get("failover.failoverMaxMs"))} | {fmt(REPL.get("failover.ackGapMaxMs"))} | '
                  f'| {fmt(REPL.get("failover.catchUpMaxMs"))} | | |')
        md.append('')
        md.append(f'Appends in the failover phase: {REPL["failover.appends"]:,} sent, {REPL["failover.acknowledged"]:,} '
                  f'acknowledged, {REPL["failover.failed"]} failed; requests the writer sent again: '
                  f'{REPL["failover.resentRequests"]}.')
        md.append('')
    if 'verify.ok' in REPL:
        md.append(f'Check after the run: {REPL["verify.acknowledged"]:,} appends acknowledged; every member\'s WAL read: '
                  + ', '.join(f'{m} lost {REPL.get(f"verify.{m}.lost")}, duplicated {REPL.get(f"verify.{m}.duplicated")}'
                              for m in ('n1', 'n2', 'n3')) + '.')
        md.append('')

# --- targets
md.append('## Targets (issues 14, 15 and 16)')
md.append('')
md.append('| target | measured | verdict |')
md.append('|---|---|---|')
rows = append['disk']
for method, label in (('walCodecMmap', 'defaults of the run'), ('walCodecMmapZeroFill', 'zero-fill'), ('walCodecMmapFallocate', 'fallocate'),
                      ('walCodecMmapWarmed', 'fallocate + warmer')):
    if not rows or find(rows, method) is None:
        continue
    rs = [ratio(score(find(rows, method, payload=p)), fresh_best(rows, p)) for p in PAYLOADS]
    ok = None if None in rs else all(r <= 1.2 for r in rs)
    md.append(f'| append on disk ({label}) within 1.2× of the faster raw write into fresh pages, every payload | '
              + ', '.join(fmt_x(r) for r in rs) + f' | {verdict(ok)} |')
    xs = [ratio(cq_best(rows, p), score(find(rows, method, payload=p))) for p in PAYLOADS]
    bs = [alloc(find(rows, method, payload=p)) for p in PAYLOADS]
    ok = None if None in xs else all(x >= 1.5 for x in xs) and all(b is not None and b < 0.5 for b in bs)
    md.append(f'| ≥ 1.5× Chronicle Queue\'s throughput on disk ({label}) at every payload, 0 B/op | '
              + ', '.join(fmt_x(x) for x in xs) + '; B/op ' + ', '.join(fmt_b(b) for b in bs) + f' | {verdict(ok)} |')
for rate in sorted({d['rate'] for d in latency.values()}, reverse=True):
    raw, cq = lat_find(rate, 'raw', False), lat_find(rate, 'chronicle', False)
    for warm in (False, True):
        o = lat_find(rate, 'ours', warm)
        if not (o and raw and cq):
            continue
        r3 = [ratio(o[k], raw[k]) for k in ('p50', 'p90', 'p99')]
        r4 = ratio(o['p99_9'], raw['p99_9'])
        ok = all(x <= 1.3 for x in r3) and r4 <= 2
        md.append(f'| latency at {rate // 1000} k/s, {lat_label(o)}: p50/p90/p99 ≤ 1.3× raw, p99.9 ≤ 2× raw | '
                  + ', '.join(fmt_x(x) for x in r3) + f'; {fmt_x(r4)} | {verdict(ok)} |')
        rc = [ratio(o[k], cq[k]) for k, _ in LAT_KEYS]
        md.append(f'| latency at {rate // 1000} k/s, {lat_label(o)}: at or below Chronicle at every percentile | '
                  + ', '.join(fmt_x(x) for x in rc) + f' | {verdict(all(x <= 1 for x in rc))} |')
for b in (1, 64):
    x = PROBES.get(f'barrierPair.batch{b}.ratio')
    if x is not None:
        md.append(f'| flushAndSync within 1.1× of the faster raw barrier (batch {b}, interleaved, medians) '
                  f'| {fmt_x(x)} | {verdict(x <= 1.1)} |')
if sync:
    for b in sorted({int(r['params']['batch']) for r in sync}):
        ours = score(find(sync, 'walFlushAndSync', batch=b))
        fastest = min([s for s in (score(find(sync, 'msyncRange', batch=b)), score(find(sync, 'fdatasync', batch=b)))
                       if s is not None], default=None)
        x = ratio(ours, fastest)
        md.append(f'| (for reference) flushAndSync within 1.1× of the fastest raw barrier (batch {b}, JMH, separate '
                  f'trials) | {fmt_x(x)} | {verdict(None if x is None else x <= 1.1)} |')
if seed:
    for d in sorted({r['params']['dir'] for r in seed}):
        if d != disk_dir:
            continue
        a = score(find(seed, 'append10k', dir=d, preTouch='AUTO'))
        md.append(f'| seed workload ≥ 8× faster than 115 ns/entry on disk with the default options (≤ 14.4 ns) '
                  f'| {fmt(a)} ns ({fmt_x(ratio(SEED_NS, a))}) | {verdict(None if a is None else a <= SEED_NS / 8)} |')
if CKPT:
    for step in ('publish', 'recover'):
        x = ratio(CKPT[step + 'Ms'], CKPT['floorMs'])
        md.append(f'| checkpoint {step} of the {CKPT["segments"]:,}-segment state within 10× of reading + CRC-checking '
                  f'its bytes | {fmt(CKPT[step + "Ms"])} ms, {fmt_x(x)} | {verdict(x <= 10)} |')
for across in ('threads', 'processes'):
    o, c = TAIL.get(f'ours-{across}'), TAIL.get(f'chronicle-{across}')
    if o and c:
        md.append(f'| (issue 15) writer → tailer p99 at or below Chronicle Queue\'s ({across}) | ours '
                  f'{o["p99"] / 1000:,.2f} µs, Chronicle {c["p99"] / 1000:,.2f} µs | {verdict(o["p99"] <= c["p99"])} |')
if TAIL.get('seek'):
    sk = TAIL['seek']
    md.append(f'| (issue 15) seek to an id in a {sk["walMiB"]} MiB WAL ≤ 10 ms | median {sk["seekMedianNs"] / 1e6:,.2f} ms, '
              f'max {sk["seekMaxNs"] / 1e6:,.2f} ms | {verdict(sk["seekMaxNs"] <= 10e6)} |')
if GC:
    x = GC.get('ratio.continuousVsNoSync')
    md.append(f'| (issue 16) sustained throughput with continuous group commit ≥ 80% of no sync | {fmt_x(x)} '
              f'(raw proxy: {fmt_x(GC.get("ratio.rawContinuousVsRawNoSync"))}; every 1 ms: '
              f'{fmt_x(GC.get("ratio.every1msVsNoSync"))}) | {verdict(None if x is None else x >= 0.8)} |')
    p99, raw99 = GC.get('ack.continuous.p99Us'), GC.get('rawBarrier.p99Us')
    x = ratio(p99, raw99)
    md.append(f'| (issue 16) ack p99 (continuous) ≤ 2.5× one raw barrier | {fmt(p99)} µs against a raw barrier p99 of '
              f'{fmt(raw99)} µs: {fmt_x(x)} (the raw proxy\'s own ack p99: {fmt(GC.get("ack.rawContinuous.p99Us"))} µs, '
              f'{fmt_x(ratio(p99, GC.get("ack.rawContinuous.p99Us")))}) | {verdict(None if x is None else x <= 2.5)} |')
if replay_gbs is not None:
    md.append(f'| (issue 6) replay ≥ 2 GB/s | {replay_gbs:.2f} GB/s | {verdict(replay_gbs >= 2)} |')
if resume_rows:
    x = ratio(score(resume_rows[-1]), score(resume_rows[0]))
    md.append(f'| (issue 6) resume of the largest WAL ({resume_rows[-1]["params"]["walMiB"]} MiB) within 2× of the '
              f'smallest ({resume_rows[0]["params"]["walMiB"]} MiB) | {fmt_x(x)} | {verdict(None if x is None else x <= 2)} |')
md.append('')
probes = os.path.join(RESULTS, 'probes.json')
if os.path.exists(probes):
    with open(probes) as f:
        pr = json.load(f)
    md.append('## Probes: the mechanisms behind the numbers')
    md.append('')
    md.append(f'`Probes` (a plain main in the same jar), files in `{pr.get("dir")}`; single runs, `System.nanoTime`.')
    md.append('')
    md.append('| probe | value |')
    md.append('|---|---:|')
    labels = {
        'firstWriteUsPerPage.zeroSyncReadTouch': 'first store to a page of a mapped file prepared like our spares '
                                                 '(zero-filled, fdatasync, read-pre-touched), µs per page',
        'firstWriteUsPerPage.zeroSync': 'same, zero-filled + fdatasync, not pre-touched, µs per page',
        'firstWriteUsPerPage.sparse': 'same, sparse file (like Chronicle Queue\'s), µs per page',
        'readFaultUsPerPage': 'first read of a page of a page-cached file mapped again (replay), µs per page',
        'fdatasyncUs.onePage': 'fdatasync after one dirty page (a frame), µs',
        'fdatasyncUs.twoPages': 'fdatasync after two dirty pages 1 MiB apart (frame + a header rewrite), µs',
        'walAppend64NsSustained.preTouchAUTO': 'WalWriter.append 64 B sustained, PreTouch.AUTO (default), ns',
        'walAppend64NsSustained.preTouchNONE': 'WalWriter.append 64 B sustained, PreTouch.NONE, ns',
        'walAppend64NsSustained.preTouchREAD': 'WalWriter.append 64 B sustained, PreTouch.READ (the old default), ns',
        'walAppend64NsSustained.preTouchWRITE': 'WalWriter.append 64 B sustained, PreTouch.WRITE, ns',
        'fdatasyncUs.after256B.zeroFill64KiB': 'fdatasync after a 256 B store, file zero-filled in 64 KiB writes '
                                               '(64 KiB folios, as MmapDirectory does), µs',
        'fdatasyncUs.after256B.zeroFill1MiB': 'same, file zero-filled in 1 MiB writes (1 MiB folios: the old allocator), µs',
    }
    for k, label in labels.items():
        if k in pr:
            md.append(f'| {label} | {fmt(pr[k])} |')
    md.append('')

notes = os.path.join(HERE, 'RESULTS-notes.md')
if os.path.exists(notes):
    with open(notes) as f:
        md.append(f.read().rstrip())
    md.append('')

with open(OUT, 'w') as f:
    f.write('\n'.join(md) + '\n')
print(f'wrote {OUT}')
