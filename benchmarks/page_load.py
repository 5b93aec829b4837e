#!/usr/bin/env python3
"""How the catalog page's speed grows with the catalog: the same steps on the recorded Hub
list (2,817 models) and on it repeated 36 times (101,412), in headless Chromium.

Each figure is the median of RUNS tries, timed in the page (performance.now()): the first
list drawn after navigation starts, a search submitted to its list drawn, the next page,
and a model's detail. The ratio column is the large catalog's time over the small one's:
near 1 means the cost follows the page, not the catalog. Needs what the browser test
needs (scripts/install-deps.sh) and a release build.

  benchmarks/page_load.py [RUNS]
"""
import pathlib
import statistics
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "web"))
from catalog_page_test import start_browser  # noqa: E402
from recorded_gatehouse import recorded_gatehouse  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 5

# Runs an action and resolves with the ms until the results heading reads `pattern`.
TIMED = """
const [action, pattern, done] = arguments;
const heading = document.getElementById('results-heading');
const start = performance.now();
const observer = new MutationObserver(() => {
  if (new RegExp(pattern).test(heading.textContent)) {
    observer.disconnect();
    done(performance.now() - start);
  }
});
observer.observe(heading, {childList: true, characterData: true, subtree: true});
new Function(action)();
"""

FIRST_LIST = """
const list = performance.getEntriesByType('resource')
    .filter((e) => e.name.includes('/v1/catalog/models?'));
return [list[0].responseEnd, list[0].encodedBodySize];
"""


def measure(browser, base):
    figures = {"first list": [], "search": [], "next page": [], "model detail": []}
    for _ in range(RUNS):
        browser.get(base + "/?gateway=hug")
        browser.set_script_timeout(30)
        browser.execute_async_script(
            "const done = arguments[0]; const h = document.getElementById('results-heading');"
            "const t = setInterval(() => { if (/^Models 1–50/.test(h.textContent)) {"
            " clearInterval(t); done(); } }, 5);")
        first, size = browser.execute_script(FIRST_LIST)
        figures["first list"].append(first)
        figures["search"].append(browser.execute_async_script(
            TIMED, "document.getElementById('q').value = 'llama';"
                    "document.getElementById('filters').requestSubmit();", "^Models 1–"))
        figures["next page"].append(browser.execute_async_script(
            TIMED, "document.getElementById('next').click();", "^Models 51–"))
        detail = browser.execute_async_script(
            "const done = arguments[0]; const start = performance.now();"
            "document.querySelector('#models a[data-model]').click();"
            "const t = setInterval(() => { if (document.querySelector('#detail-body dl')) {"
            " clearInterval(t); done(performance.now() - start); } }, 2);")
        figures["model detail"].append(detail)
    return {k: statistics.median(v) for k, v in figures.items()}, size


def main():
    browser, reason = start_browser()
    if browser is None:
        sys.exit("cannot run: " + reason)
    gatehouse = ROOT / "build/release/core/gatehouse"
    plugins = ROOT / "build/release/plugins"
    results = {}
    try:
        for copies in (1, 36):
            with recorded_gatehouse(gatehouse, plugins, ROOT / "tests/fixtures", copies) as base:
                results[copies] = measure(browser, base)
    finally:
        browser.quit()
    (small, small_bytes), (large, large_bytes) = results[1], results[36]
    print("median of %d runs, ms    2,817 models   101,412 models   ratio" % RUNS)
    for step in small:
        print("%-22s %12.1f %16.1f %7.2f" % (step, small[step], large[step], large[step] / small[step]))
    print("first page's JSON, bytes %11d %16d" % (small_bytes, large_bytes))


if __name__ == "__main__":
    main()
