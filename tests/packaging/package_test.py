#!/usr/bin/env python3
"""The Debian packages as an operator gets them.

Builds both packages from this build folder (cpack), unpacks the runtime .deb into a
temporary root (dpkg-deb -x), checks its file list, its Depends and its systemd unit
(systemd-analyze verify when it can run), runs `gatehouse --check-config` and then the
unpacked binary on the packaged config (paths rewritten into the temporary root, its
upstreams to a fake one on 127.0.0.1 serving recordings) and gets a catalog; and lintian
finds no error in either package.
Usage: package_test.py BUILD_DIR SOURCE_DIR
"""
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SOURCE = pathlib.Path(sys.argv[2])
sys.path.insert(0, str(SOURCE / "tests" / "web"))
from recorded_gatehouse import fake_upstream, free_port, get  # noqa: E402

EXPECTED_FILES = [
    "usr/bin/gatehouse",
    "usr/lib/gatehouse/plugins/huggingface.so",
    "usr/lib/gatehouse/plugins/portkey.so",
    "usr/lib/gatehouse/plugins/openrouter.so",
    "usr/lib/gatehouse/plugins/openai_compatible.so",
    "usr/share/gatehouse/config.toml",
    "etc/gatehouse/config.toml",
    "etc/default/gatehouse",
    "lib/systemd/system/gatehouse.service",
    "usr/share/man/man1/gatehouse.1.gz",
    "usr/share/doc/gatehouse/copyright",
    "usr/share/doc/gatehouse/changelog.gz",
    "usr/share/doc/gatehouse/README.md",
]
UNIT_MUST_SAY = [
    "DynamicUser=yes", "ProtectSystem=strict", "CacheDirectory=gatehouse",
    "ExecReload=/bin/kill -HUP $MAINPID", "EnvironmentFile=-/etc/default/gatehouse",
    # the server says when it is ready: a reload right after a start waits for it
    "Type=notify", "NotifyAccess=main",
    "ExecStart=/usr/bin/gatehouse --config /etc/gatehouse/config.toml",
    "ExecStartPre=/usr/bin/gatehouse --check-config --config /etc/gatehouse/config.toml",
]


def run(*argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def build_packages(build, out):
    r = run("cpack", "--config", str(build / "CPackConfig.cmake"), "-B", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    version = re.search(r'CPACK_PACKAGE_VERSION "([^"]+)"',
                        (build / "CPackConfig.cmake").read_text()).group(1)
    runtime = out / ("gatehouse_%s_amd64.deb" % version)
    sdk = out / ("gatehouse-sdk_%s_all.deb" % version)
    assert runtime.exists() and sdk.exists(), sorted(p.name for p in out.iterdir())
    print("built %s and %s" % (runtime.name, sdk.name))
    return runtime, sdk


def check_files(deb, root):
    r = run("dpkg-deb", "-x", str(deb), str(root))
    assert r.returncode == 0, r.stderr
    missing = [f for f in EXPECTED_FILES if not (root / f).exists()]
    assert not missing, "missing from the package: %s" % missing
    assert os.access(root / "usr/bin/gatehouse", os.X_OK)
    assert (root / "etc/default/gatehouse").stat().st_mode & 0o077 == 0, "secrets file readable by others"
    listing = run("dpkg-deb", "-c", str(deb)).stdout
    assert "_CPack_Packages" not in listing and "./tmp/" not in listing, listing
    conffiles = run("dpkg-deb", "-I", str(deb), "conffiles").stdout.split()
    assert conffiles == ["/etc/gatehouse/config.toml", "/etc/default/gatehouse"], conffiles
    depends = run("dpkg-deb", "-f", str(deb), "Depends").stdout
    for library in ("libhiredis", "libsimdjson", "libssl3", "libtomlplusplus", "libxxhash", "procps"):
        assert library in depends, "Depends lacks %s: %s" % (library, depends)
    print("files, conffiles and Depends as expected: %s" % depends.strip())


def check_unit(root):
    unit = (root / "lib/systemd/system/gatehouse.service").read_text()
    for line in UNIT_MUST_SAY:
        assert line in unit.splitlines(), "the unit lacks %r" % line
    analyze = shutil.which("systemd-analyze")
    if not analyze or not pathlib.Path("/bin/kill").exists():
        print("systemd-analyze verify not run: %s is missing" % ("systemd-analyze" if not analyze else "/bin/kill"))
        return
    # A root holding the package and the host's own units (the targets it names), so that
    # verify checks the unit's commands in the package, not on this machine.
    for unit_file in pathlib.Path("/lib/systemd/system").iterdir():
        target = root / "lib/systemd/system" / unit_file.name
        if not target.exists() and unit_file.is_file():
            shutil.copy(unit_file, target)
    (root / "bin").mkdir(exist_ok=True)
    shutil.copy("/bin/kill", root / "bin/kill")
    r = run(analyze, "verify", "--man=no", "--generators=no", "--root=" + str(root),
            "gatehouse.service")
    assert r.returncode == 0, "systemd-analyze verify: " + r.stdout + r.stderr
    print("systemd-analyze verify: no complaint")


def packaged_config(root, upstream, port, cache):
    """The packaged config with its paths in the temporary root and its upstreams local."""
    text = (root / "etc/gatehouse/config.toml").read_text()
    edits = [
        ('listen = "127.0.0.1:8000"', 'listen = "127.0.0.1:%d"' % port),
        ('dir = "/usr/lib/gatehouse/plugins"', 'dir = "%s/usr/lib/gatehouse/plugins"' % root),
        ('dir = "/var/cache/gatehouse"', 'dir = "%s"' % cache),
        ('base_url = "https://huggingface.co"', 'base_url = "%s/hub"' % upstream),
        ('router_url = "https://router.huggingface.co"', 'router_url = "%s/router"' % upstream),
        ('base_url = "https://api.portkey.ai"', 'base_url = "%s/portkey"' % upstream),
    ]
    for old, new in edits:
        assert old in text, "the packaged config no longer says %r" % old
        text = text.replace(old, new)
    return text


def serve_packaged(root, work):
    upstream = fake_upstream(SOURCE / "tests" / "fixtures", 1)
    port = free_port()
    config = work / "config.toml"
    config.write_text(packaged_config(
        root, "http://127.0.0.1:%d" % upstream.server_address[1], port, work / "cache"))
    binary = str(root / "usr/bin/gatehouse")
    env = dict(os.environ, PORTKEY_API_KEY="recorded-test-key")
    check = run(binary, "--check-config", "--config", str(config), env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "gateway hug: huggingface" in check.stdout, check.stdout
    log = open(work / "gatehouse.log", "w+")
    server = subprocess.Popen([binary, "--config", str(config)], stderr=log, env=env)
    base = "http://127.0.0.1:%d" % port
    try:
        for gateway, at_least in (("hug", 2817), ("portkey", 200)):
            deadline = time.monotonic() + 60
            while True:
                try:
                    status, _, body = get(base + "/v1/catalog/models?limit=1&gateway=" + gateway)
                    if status == 200 and json.loads(body)["total"] >= at_least:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "no %s catalog from the package" % gateway
                time.sleep(0.1)
        status, headers, page = get(base + "/")
        assert status == 200 and b"Gatehouse catalog" in page
        print("the unpacked binary served hug and portkey on the packaged config")
    except BaseException:
        log.seek(0)
        print(log.read()[-3000:])
        raise
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) == 0, "gatehouse did not stop cleanly"
        upstream.shutdown()


def lint(*debs):
    r = run("lintian", "--fail-on", "error", *map(str, debs))
    print(r.stdout.strip() or "lintian: nothing to say")
    assert r.returncode == 0, "lintian found errors"


def main():
    build = pathlib.Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        runtime, sdk = build_packages(build, tmp / "out")
        root = tmp / "root"
        check_files(runtime, root)
        check_unit(root)
        work = tmp / "work"
        work.mkdir()
        serve_packaged(root, work)
        lint(runtime, sdk)
    return 0


if __name__ == "__main__":
    sys.exit(main())
