#!/usr/bin/env python3
"""Urd lookups per second: our local store (in a build script), our `exax urd-server`, and the
original's `ax urd-server` (when --ax is given), each holding the same sessions.

    bench/urd_bench.py                                   # ours only
    bench/urd_bench.py --ax bench/.venv/bin/ax           # and the original (pip install accelerator)
    bench/urd_bench.py --sessions 1000 --lookups 20000 --clients 1,4

Server lookups are HTTP GETs of one list (latest, an exact timestamp, `<=` a timestamp, in turn)
from client processes with a keep-alive connection each; the same client code for both servers.
Local lookups are urd:peek calls in a Lua loop, timed as the run minus a run without them.
Prints a table; nothing here is a test."""

import argparse
import base64
import http.client
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from urllib.parse import quote

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AUTH = 'Basic ' + base64.b64encode(b'bench:pw').decode()


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_up(port):
    for _ in range(200):
        try:
            c = http.client.HTTPConnection('127.0.0.1', port, timeout=5)
            c.request('GET', '/list')
            c.getresponse().read()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit('server on %d did not come up' % port)


def lookup_paths(n):
    paths = []
    for i in range(1, n + 1):
        paths.append('/bench/l/latest')
        paths.append('/bench/l/%d' % i)
        paths.append('/bench/l/' + quote('<=%d' % i, safe=''))
    return paths


def client(args):
    port, paths = args
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    for p in paths:
        c.request('GET', p)
        r = c.getresponse()
        body = r.read()
        if r.status != 200 or body == b'null':
            raise SystemExit('lookup %s: %d %r' % (p, r.status, body[:200]))
    return len(paths)


def measure(port, sessions, lookups, clients):
    paths = lookup_paths(sessions)
    per = [[paths[(k * 7919 + j) % len(paths)] for j in range(lookups // clients)] for k in range(clients)]
    with multiprocessing.Pool(clients) as pool:
        pool.map(client, [(port, ['/bench/l/latest'])] * clients)  # connect and warm up
        t = time.perf_counter()
        done = sum(pool.map(client, [(port, p) for p in per]))
        return done / (time.perf_counter() - t)


def populate(port, sessions, body_of):
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    for i in range(1, sessions + 1):
        body = json.dumps(body_of(i))
        c.request('POST', '/add', body, {'Authorization': AUTH, 'Content-Type': 'application/json'})
        r = c.getresponse()
        text = r.read()
        if r.status != 200:
            sys.exit('add %d: %d %r' % (i, r.status, text))


def ours_server(exax, store, port):
    subprocess.run([exax, 'urd-server', '--path', store, '--add-user', 'bench'], input=b'pw\n', check=True)
    return subprocess.Popen([exax, 'urd-server', '--quiet', '--listen', '127.0.0.1:%d' % port, '--path', store])


def ours_body(i):
    return {'key': 'bench-%d' % i, 'list': 'bench/l',
            'entry': {'timestamp': str(i), 'caption': 'session %d' % i, 'joblist': [['m', 'test-%d' % i]]}}


def original_server(ax, store, port):
    with open(os.path.join(store, 'passwd'), 'w') as f:
        f.write('bench:pw\n')
    return subprocess.Popen([ax, 'urd-server', '--quiet', '--listen', '127.0.0.1:%d' % port, '--path', store],
                            cwd=store, stdout=subprocess.DEVNULL)


def original_body(i):
    return {'user': 'bench', 'build': 'l', 'timestamp': str(i), 'caption': 'session %d' % i,
            'joblist': [['m', 'test-%d' % i]], 'deps': {}, 'flags': [], 'build_job': 'bench'}


def local(exax, sessions, lookups):
    d = tempfile.mkdtemp(prefix='urd-bench-')
    try:
        with open(os.path.join(d, 'accelerator.conf'), 'w') as f:
            f.write('slices: 1\nworkdirs:\n    test ./workdirs/test\nmethod directories:\n    ./methods\n')
        os.mkdir(os.path.join(d, 'methods'))
        with open(os.path.join(d, 'methods', 'm.lua'), 'w') as f:
            f.write('function synthesis() return 1 end\n')
        with open(os.path.join(d, 'build_fill.lua'), 'w') as f:
            f.write("function main(urd) for i = 1, %d do urd:begin('l', i) urd:build('m') urd:finish('l') end end\n"
                    % sessions)
        with open(os.path.join(d, 'build_look.lua'), 'w') as f:
            f.write("""function main(urd)
  local n, s = tonumber(urd.args[1]), %d
  for j = 1, n do
    local i = (j * 7919) %% s + 1
    local k = j %% 3
    local e
    if k == 0 then e = urd:peek_latest('l') elseif k == 1 then e = urd:peek('l', i) else e = urd:peek('l', '<=' .. i) end
    assert(e)
  end
end
""" % sessions)
        t = time.perf_counter()
        subprocess.run([exax, 'run', '-q', 'fill'], cwd=d, check=True)
        fill = time.perf_counter() - t
        runs = {}
        for n in (1, lookups):
            best = None
            for _ in range(3):
                t = time.perf_counter()
                subprocess.run([exax, 'run', '-q', 'look', '--', str(n)], cwd=d, check=True)
                el = time.perf_counter() - t
                best = el if best is None else min(best, el)
            runs[n] = best
        return (lookups - 1) / (runs[lookups] - runs[1]), sessions / fill
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--exax', default=os.path.join(ROOT, 'target', 'release', 'exax'))
    ap.add_argument('--ax', help='the original\'s ax (pip install accelerator) to compare with')
    ap.add_argument('--sessions', type=int, default=1000)
    ap.add_argument('--lookups', type=int, default=20000)
    ap.add_argument('--clients', default='1,4')
    a = ap.parse_args()
    clients = [int(c) for c in a.clients.split(',')]
    rows = []
    lps, wps = local(a.exax, a.sessions, a.lookups)
    rows.append(('exax local store (urd:peek in Lua)', '-', lps))
    rows.append(('exax local store: sessions written/s (fsync each)', '-', wps))
    servers = [('exax urd-server', ours_server, ours_body, a.exax)]
    if a.ax:
        servers.append(('original ax urd-server', original_server, original_body, a.ax))
    for name, start, body, exe in servers:
        store = tempfile.mkdtemp(prefix='urd-bench-srv-')
        port = free_port()
        proc = start(exe, store, port)
        try:
            wait_up(port)
            t = time.perf_counter()
            populate(port, a.sessions, body)
            rows.append((name + ': sessions written/s (1 client)', '-', a.sessions / (time.perf_counter() - t)))
            for c in clients:
                rows.append((name + ': lookups/s', c, measure(port, a.sessions, a.lookups, c)))
        finally:
            proc.kill()
            proc.wait()
            shutil.rmtree(store, ignore_errors=True)
    print('%-58s %7s %12s' % ('what (%d sessions, %d lookups)' % (a.sessions, a.lookups), 'clients', 'per second'))
    for what, c, v in rows:
        print('%-58s %7s %12.0f' % (what, c, v))


if __name__ == '__main__':
    main()
