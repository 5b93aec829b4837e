#!/usr/bin/env python3
"""Slow readers against a gatehouse binary: RSS while N connections that asked for the full
list never read, and after they close.

    benchmarks/slow_readers.py BINARY FIXTURE_PLUGIN [--copies 16] [--readers 100 1000]

Serves tests/fixtures/huggingface/list_2817.json repeated COPIES times (ids suffixed: the
recorded records' shape; 16 copies is 45,072 models, about 30 MB of JSON) through the test
plugin, on 127.0.0.1 only. For each count of readers: RSS before, with every reader
answered and stalled, and 2 s after they closed. Bounded: each phase waits 60 s at most.
"""
import argparse
import json
import os
import pathlib
import re
import resource
import socket
import subprocess
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent


def scaled_list(copies, out):
    records = json.load(open(ROOT / "tests/fixtures/huggingface/list_2817.json", encoding="utf-8"))
    scaled = []
    for copy in range(copies):
        for r in records:
            r = dict(r)
            if copy:
                r["id"] = r["id"] + "-copy" + str(copy)
            scaled.append(r)
    json.dump(scaled, open(out, "w", encoding="utf-8"), ensure_ascii=False)
    return len(scaled)


def rss_mb(pid):
    status = pathlib.Path("/proc/%d/status" % pid).read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def answered(url):
    text = urllib.request.urlopen(url + "/metrics", timeout=30).read().decode()
    m = re.search(r'gatehouse_http_requests_total\{route="models",status="200"\} (\d+)', text)
    return int(m.group(1)) if m else 0


def main():
    args = argparse.ArgumentParser()
    args.add_argument("binary")
    args.add_argument("fixture_plugin")
    args.add_argument("--copies", type=int, default=16)
    args.add_argument("--readers", type=int, nargs="+", default=[100, 1000])
    a = args.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    with tempfile.TemporaryDirectory() as work:
        models = scaled_list(a.copies, work + "/list.json")
        pathlib.Path(work + "/config.toml").write_text(
            '[server]\nlisten = "127.0.0.1:0"\nthreads = 2\n[cache]\ndir = "%s/cache"\n'
            '[[gateways]]\nname = "hug"\nplugin = "%s"\n[gateways.options]\nfile = "%s/list.json"\n'
            % (work, a.fixture_plugin, work))
        log = open(work + "/log", "w+")
        server = subprocess.Popen([a.binary, "--config", work + "/config.toml"], stderr=log)
        try:
            deadline = time.time() + 60
            url = None
            while time.time() < deadline and not url:
                time.sleep(0.1)
                text = pathlib.Path(work + "/log").read_text()
                if "models from" in text or "fetched" in text:
                    m = re.search(r"http://127\.0\.0\.1:\d+", text)
                    url = m.group(0) if m else None
            body = urllib.request.urlopen(url + "/v1/models?gateway=hug", timeout=60).read()
            print("catalog: %d models, full list %.1f MB" % (models, len(body) / 2**20))
            time.sleep(2)
            host, port = url[len("http://"):].split(":")
            for n in a.readers:
                before = rss_mb(server.pid)
                start = answered(url)
                readers = []
                for _ in range(n):
                    s = socket.socket()
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                    s.connect((host, int(port)))
                    s.sendall(b"GET /v1/models?gateway=hug HTTP/1.1\r\nHost: x\r\n\r\n")
                    readers.append(s)
                deadline = time.time() + 60
                while answered(url) < start + n and time.time() < deadline:
                    time.sleep(0.1)
                time.sleep(1)
                during = rss_mb(server.pid)
                for s in readers:
                    s.close()
                time.sleep(2)
                after = rss_mb(server.pid)
                print("%5d readers: RSS %.0f MB before, %.0f MB while stalled, %.0f MB 2 s after"
                      % (n, before, during, after))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
