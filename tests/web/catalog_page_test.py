#!/usr/bin/env python3
"""The catalog page in a real browser: Debian's headless Chromium, driven by Selenium.

Gatehouse runs on recorded upstream data (no network). The test loads the page, picks
gateways, searches, pages, opens models, reads a gateway's error, reloads a shared URL,
uses the keyboard, opens /docs, and saves screenshots at desktop and phone widths.
Exit 77 (ctest: skipped) only when Chromium cannot start at all, with the reason.
Usage: catalog_page_test.py GATEHOUSE PLUGINS_DIR FIXTURES_DIR SCREENSHOT_DIR
"""
import json
import pathlib
import re
import shutil
import sys
import urllib.parse

from recorded_gatehouse import get, recorded_gatehouse

SKIP = 77
WAIT_S = 15


def start_browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as e:
        return None, "python3-selenium is not installed (%s)" % e
    chromium = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        return None, "chromium or chromedriver is not installed (scripts/install-deps.sh installs them)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,900", "--disable-extensions", "--no-first-run"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        return webdriver.Chrome(service=Service(driver), options=options), None
    except Exception as e:  # the browser cannot run here at all
        return None, "Chromium did not start: %s" % str(e).splitlines()[0]


class PageTest:
    def __init__(self, browser, base, shots):
        from selenium.webdriver.support.ui import WebDriverWait
        self.browser, self.base, self.shots = browser, base, shots
        self.wait = WebDriverWait(browser, WAIT_S)

    # ------------------------------------------------------------------ helpers

    def el(self, css):
        return self.browser.find_element("css selector", css)

    def els(self, css):
        return self.browser.find_elements("css selector", css)

    def text(self, css):
        return self.el(css).text

    def until(self, what, condition):
        try:
            return self.wait.until(lambda _: condition())
        except Exception:
            raise AssertionError("waited %ss for %s; the page says: %r; url %s" % (
                WAIT_S, what, self.text("#results-heading"), self.browser.current_url))

    def heading_settles(self, pattern):
        return self.until("the heading to read %r" % pattern,
                          lambda: re.fullmatch(pattern, self.text("#results-heading")))

    def total(self):
        """The total the heading shows, as a number."""
        return int(re.search(r"of ([\d,]+)$", self.text("#results-heading")).group(1).replace(",", ""))

    def query(self):
        return dict(urllib.parse.parse_qsl(urllib.parse.urlparse(self.browser.current_url).query))

    def api(self, target):
        status, _, body = get(self.base + target)
        assert status == 200, "%s answered %d" % (target, status)
        return json.loads(body)

    def ids(self):
        return [a.text for a in self.els("#models tbody a[data-model]")]

    def console_errors(self, expected=()):
        """Console errors since the last call, but those expected (a substring each)."""
        entries = [e for e in self.browser.get_log("browser") if e["level"] == "SEVERE"]
        return [e["message"] for e in entries if not any(x in e["message"] for x in expected)]

    def screenshot(self, name):
        path = self.shots / name
        self.browser.save_screenshot(str(path))
        print("screenshot: %s" % path)

    def select(self, css, value):
        from selenium.webdriver.support.ui import Select
        Select(self.el(css)).select_by_value(value)

    # ------------------------------------------------------------------ steps

    def loads_with_every_gateway(self):
        self.browser.get(self.base + "/")
        self.heading_settles(r"Models 1–50 of [\d,]+")
        gateways = [o.get_attribute("value") for o in self.els("#gateway option")]
        assert gateways == ["all", "hug", "portkey", "openrouter", "deepinfra", "broken"], gateways
        labels = " | ".join(o.text for o in self.els("#gateway option"))
        assert "hug — fresh" in labels and "broken — error" in labels, labels
        assert self.total() == self.api("/v1/catalog/models?limit=0")["total"]
        errors = self.console_errors()
        assert not errors, "console errors on load: %s" % errors
        self.screenshot("catalog-desktop.png")

    def search_narrows_and_writes_the_url(self):
        before = self.total()
        box = self.el("#q")
        box.clear()
        box.send_keys("llama")
        self.until("q=llama in the URL", lambda: self.query().get("q") == "llama")
        self.heading_settles(r"Models 1–\d+ of [\d,]+")
        expected = self.api("/v1/catalog/models?q=llama&limit=0")["total"]
        self.until("the total to narrow", lambda: self.total() == expected)
        assert 0 < expected < before, (expected, before)
        rows = self.els("#models tbody tr")
        assert rows and all("llama" in r.text.lower() for r in rows), [r.text for r in rows[:5]]
        box.clear()
        box.send_keys(" ")  # an input event: the cleared box applies
        self.until("q to leave the URL", lambda: "q" not in self.query())

    def pages_forward_and_back(self):
        self.select("#gateway", "hug")
        self.until("gateway=hug in the URL", lambda: self.query().get("gateway") == "hug")
        total = self.api("/v1/catalog/models?gateway=hug&limit=0")["total"]
        self.heading_settles("Models 1–50 of %s" % format(total, ","))
        first_page = self.ids()
        self.el("#next").click()
        self.heading_settles("Models 51–100 of %s" % format(total, ","))
        assert self.query().get("offset") == "50"
        expected = [m["id"] for m in self.api("/v1/catalog/models?gateway=hug&limit=50&offset=50")["data"]]
        assert self.ids() == expected
        assert "Page 2 of" in self.text("#page-of")
        self.el("#prev").click()
        self.heading_settles("Models 1–50 of %s" % format(total, ","))
        assert self.ids() == first_page
        self.el("#next").click()
        self.heading_settles("Models 51–100 of .*")
        self.browser.back()  # the browser's own Back goes to the page before
        self.heading_settles("Models 1–50 of .*")
        assert "offset" not in self.query()

    def opens_a_model_with_its_offers(self):
        self.browser.get(self.base + "/?model=" + urllib.parse.quote("deepseek-ai/DeepSeek-V3"))
        self.until("the detail dialog", lambda: self.el("#detail").get_attribute("open") is not None)
        self.until("the offers table", lambda: self.els("#detail table.offers tbody tr"))
        model = self.api("/v1/catalog/models/deepseek-ai/DeepSeek-V3")
        rows = self.els("#detail table.offers tbody tr")
        assert len(rows) == len(model["offers"]) >= 2, (len(rows), len(model["offers"]))
        first = model["offers"][0]
        per_million = float(first["pricing"]["prompt"]) * 1e6
        assert rows[0].text.startswith(first["gateway"]), rows[0].text
        assert ("$%g" % float("%.4g" % per_million)) in rows[0].text, (per_million, rows[0].text)
        body = self.text("#detail-body")
        assert "Every field" in body and "source_gateway" in body, body[:300]
        assert self.el("#detail-raw").get_attribute("href").endswith(
            "/v1/catalog/models/deepseek-ai/DeepSeek-V3?gateway=all")
        self.screenshot("model-detail.png")

    def keyboard_opens_and_closes(self):
        from selenium.webdriver.common.keys import Keys
        self.browser.get(self.base + "/?gateway=openrouter&limit=20")
        self.heading_settles("Models 1–20 of .*")
        link = self.els("#models tbody a[data-model]")[0]
        wanted = link.text
        link.send_keys(Keys.ENTER)
        self.until("the model's dialog", lambda: self.query().get("model") == wanted)
        self.until("the dialog's title", lambda: wanted in self.text("#detail-title"))
        self.el("#detail-close").send_keys(Keys.ESCAPE)
        self.until("the dialog to close", lambda: "model" not in self.query())
        assert self.el("#detail").get_attribute("open") is None

    def shows_why_a_gateway_fails(self):
        self.browser.get(self.base + "/")
        self.heading_settles(r"Models 1–50 of .*")
        self.select("#gateway", "broken")
        self.until("the error", lambda: self.el("#error").is_displayed())
        assert "no catalog yet" in self.text("#error"), self.text("#error")
        status = self.text("#gateway-status")
        assert "broken: error" in status and "401" in status, status
        errors = self.console_errors(expected=["status of 503"])
        assert not errors, "console errors: %s" % errors
        self.screenshot("gateway-error.png")

    def a_shared_url_restores_the_view(self):
        shared = "/?gateway=hug&q=qwen&sort=downloads&limit=20"
        self.browser.get(self.base + shared)
        self.heading_settles(r"Models 1–20 of [\d,]+")
        assert self.el("#q").get_attribute("value") == "qwen"
        assert self.el("#sort").get_attribute("value") == "downloads"
        assert self.el("#gateway").get_attribute("value") == "hug"
        api = self.api("/v1/catalog/models?gateway=hug&q=qwen&sort=downloads&limit=20")
        assert self.total() == api["total"] and self.ids() == [m["id"] for m in api["data"]]
        self.browser.refresh()
        self.heading_settles(r"Models 1–20 of [\d,]+")
        assert self.ids() == [m["id"] for m in api["data"]]
        assert self.el("#raw-link").get_attribute("href").endswith(
            "/v1/catalog/models?gateway=hug&q=qwen&sort=downloads&limit=20&offset=0")

    def reads_on_a_phone(self):
        self.browser.set_window_size(390, 844)
        self.browser.get(self.base + "/?gateway=hug&limit=20")
        self.heading_settles(r"Models 1–20 of .*")
        overflow = self.browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, "the page scrolls sideways by %spx on a phone" % overflow
        self.screenshot("catalog-phone.png")
        self.browser.set_window_size(1280, 900)

    def the_reference_renders(self):
        self.browser.get(self.base + "/docs")
        self.until("the reference", lambda: "/v1/catalog/models" in self.el("body").text)
        body = self.el("body").text
        for route in ("/v1/catalog/gateways", "/admin/reload", "ModelsPage"):
            assert route in body, route
        errors = self.console_errors()
        assert not errors, "console errors on /docs: %s" % errors
        self.screenshot("docs.png")


STEPS = ("loads_with_every_gateway", "search_narrows_and_writes_the_url", "pages_forward_and_back",
         "opens_a_model_with_its_offers", "keyboard_opens_and_closes", "shows_why_a_gateway_fails",
         "a_shared_url_restores_the_view", "reads_on_a_phone", "the_reference_renders")


def main(gatehouse, plugins, fixtures, shots):
    browser, reason = start_browser()
    if browser is None:
        print("SKIPPED: the browser test cannot run: " + reason)
        return SKIP
    shots = pathlib.Path(shots)
    shots.mkdir(parents=True, exist_ok=True)
    try:
        with recorded_gatehouse(gatehouse, plugins, fixtures) as base:
            test = PageTest(browser, base, shots)
            for step in STEPS:
                print("step: " + step, flush=True)
                getattr(test, step)()
    finally:
        browser.quit()
    print("%d steps passed in Chromium %s" % (len(STEPS), browser.capabilities.get("browserVersion")))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
