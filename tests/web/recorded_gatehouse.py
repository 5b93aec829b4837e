"""Gatehouse on recorded upstream data, for the web tests: no network.

A fake upstream on 127.0.0.1 serves the recordings of tests/fixtures under one prefix per
gateway; gatehouse runs its real plugins against it. One gateway, "broken", points at an
upstream that refuses its key, so the page has an error to show.

hostile_gatehouse() runs another with one gateway, "hostile", on the HAND-MADE
hostile_openrouter.json (OpenRouter's shape): ids and names with dot segments, a literal
%2F, right-to-left text and overrides, control characters and markup, and a links.next of
8 KB that the plugin will not follow (its warning quotes a long unbroken URL).
"""
import contextlib
import http.server
import json
import os
import pathlib
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROUTES = {  # path on the fake upstream -> recording under tests/fixtures
    "/hub/api/models": "huggingface/list_2817.json",
    "/router/v1/models": "huggingface/router_v1_models_trimmed.json",
    "/portkey/v1/models": "portkey/models.json",
    "/openrouter/api/v1/models": "openrouter/models_414.json",
    "/deepinfra/v1/models": "openai_compatible/deepinfra_154.json",
}
REFUSED = "/broken/v1/models"
HOSTILE = "/hostile/api/v1/models"
HOSTILE_FILE = pathlib.Path(__file__).resolve().parent / "hostile_openrouter.json"

# What both servers share: loopback only, no retries, a failure kept for the test's length.
SERVER = """
[server]
listen = "127.0.0.1:{port}"
threads = 2
[plugins]
dir = "{plugins}"
[cache]
dir = "{cache}"
retry_initial_ms = 60000
[http]
max_retries = 0
timeout_ms = 10000
"""

CONFIG = SERVER + """
[[gateways]]
name = "hug"
plugin = "huggingface"
aliases = ["huggingface"]
min_models = 1
[gateways.options]
base_url = "{upstream}/hub"
router_url = "{upstream}/router"
inference_provider = ""
sorts = ["likes"]
page_size = 5000
max_models = 1000000
essential_models = []

[[gateways]]
name = "portkey"
plugin = "portkey"
min_models = 1
[gateways.options]
base_url = "{upstream}/portkey"

[[gateways]]
name = "openrouter"
plugin = "openrouter"
min_models = 1
[gateways.options]
base_url = "{upstream}/openrouter"

[[gateways]]
name = "deepinfra"
plugin = "openai_compatible"
min_models = 1
[gateways.options]
base_url = "{upstream}/deepinfra"
provider = "deepinfra"

[[gateways]]
name = "broken"
plugin = "openai_compatible"
min_models = 1
[gateways.options]
base_url = "{upstream}/broken"
provider = "broken"
"""


HOSTILE_CONFIG = SERVER + """
[[gateways]]
name = "hostile"
plugin = "openrouter"
min_models = 1
[gateways.options]
base_url = "{upstream}/hostile"
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scaled_hub_list(fixtures, copies):
    """The recorded Hub list repeated, ids suffixed after the first copy: a larger catalog
    of real records' shape (as benchmarks/wrk.sh makes it)."""
    records = json.loads((fixtures / ROUTES["/hub/api/models"]).read_bytes())
    out = list(records)
    for copy in range(1, copies):
        out += [dict(r, id=r["id"] + "-copy" + str(copy)) for r in records]
    return json.dumps(out, ensure_ascii=False).encode()


def fake_upstream(fixtures, hub_copies):
    bodies = {path: (fixtures / name).read_bytes() for path, name in ROUTES.items()}
    bodies[HOSTILE] = HOSTILE_FILE.read_bytes()
    if hub_copies > 1:
        bodies["/hub/api/models"] = scaled_hub_list(fixtures, hub_copies)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            path = self.path.split("?")[0]
            status, body = 200, bodies.get(path)
            if path == REFUSED:
                status, body = 401, b'{"error": {"message": "invalid API key"}}'
            elif body is None:
                status, body = 404, b'{"error": "not found"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def get(url, headers=None):
    """(status, headers, body bytes) of a GET; errors are answers too."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


EXPECTED = {"hug": "fresh", "portkey": "fresh", "openrouter": "fresh", "deepinfra": "fresh",
            "broken": "error"}


def wait_for_catalogs(base, expected, deadline_s=180):
    """Until every gateway is in its expected state; a wrong error fails at once."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            _, _, body = get(base + "/v1/catalog/gateways")
            gateways = {g["name"]: g for g in json.loads(body)["data"]}
        except (OSError, ValueError):
            time.sleep(0.1)
            continue
        for name, g in gateways.items():
            if g["state"] == "error" and expected[name] != "error":
                raise RuntimeError("gateway %s failed: %s" % (name, g["last_error"]))
        if all(gateways.get(n, {}).get("state") == s for n, s in expected.items()):
            return
        time.sleep(0.1)
    raise RuntimeError("gatehouse did not load its catalogs in %ss" % deadline_s)


def recorded_gatehouse(gatehouse, plugins, fixtures, hub_copies=1):
    """Yields the base URL of a gatehouse serving every recorded gateway (the Hub's list
    hub_copies times over)."""
    return _gatehouse(gatehouse, plugins, fixtures, hub_copies, CONFIG, EXPECTED)


def hostile_gatehouse(gatehouse, plugins, fixtures):
    """Yields the base URL of a gatehouse serving only the hand-made hostile gateway."""
    return _gatehouse(gatehouse, plugins, fixtures, 1, HOSTILE_CONFIG, {"hostile": "fresh"})


@contextlib.contextmanager
def _gatehouse(gatehouse, plugins, fixtures, hub_copies, config_text, expected):
    upstream = fake_upstream(pathlib.Path(fixtures), hub_copies)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        config = pathlib.Path(tmp) / "config.toml"
        config.write_text(config_text.format(
            port=port, plugins=plugins, cache=pathlib.Path(tmp) / "cache",
            upstream="http://127.0.0.1:%d" % upstream.server_address[1]))
        log = open(pathlib.Path(tmp) / "gatehouse.log", "w+")
        env = dict(os.environ, PORTKEY_API_KEY="recorded-test-key")
        process = subprocess.Popen([gatehouse, "--config", str(config)], stdout=log,
                                   stderr=subprocess.STDOUT, env=env)
        base = "http://127.0.0.1:%d" % port
        try:
            wait_for_catalogs(base, expected)
            yield base
        except BaseException:
            log.seek(0)
            print("gatehouse's log:\n" + log.read()[-4000:])
            raise
        finally:
            process.terminate()
            process.wait(timeout=10)
            upstream.shutdown()
