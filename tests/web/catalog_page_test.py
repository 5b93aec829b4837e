#!/usr/bin/env python3
"""The catalog page in a real browser: Debian's headless Chromium, driven by Selenium.

Gatehouse runs on recorded upstream data (no network). The test loads the page, picks
gateways, searches, pages, opens models, reads a gateway's error, reloads a shared URL,
uses the keyboard, opens /docs, and saves screenshots at desktop and phone widths. Then a
second gatehouse serves a hand-made hostile catalog (recorded_gatehouse.hostile_gatehouse):
ids with dot segments, right-to-left and control characters, markup, a long warning.
Exit 77 (ctest: skipped) only when Chromium cannot start at all, with the reason.
Usage: catalog_page_test.py GATEHOUSE PLUGINS_DIR FIXTURES_DIR SCREENSHOT_DIR
"""
import json
import pathlib
import re
import shutil
import sys
import urllib.parse

from recorded_gatehouse import get, hostile_gatehouse, recorded_gatehouse

SKIP = 77
WAIT_S = 15
MAX_QUERY_BYTES = 2048  # the server's limit on a query string (core/http/api.hpp)


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
        self.wait = WebDriverWait(browser, WAIT_S, poll_frequency=0.1)

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
            try:
                says = self.text("#results-heading")
            except Exception:  # not the page at all (an error's JSON, say)
                says = self.el("body").text[:300]
            raise AssertionError("waited %ss for %s; the page says: %r; url %s" % (
                WAIT_S, what, says, self.browser.current_url))

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

    def link_of(self, model):
        """The list's link to the model of that id."""
        link = self.browser.execute_script(
            "return [...document.querySelectorAll('#models tbody a[data-model]')]"
            ".find((a) => a.dataset.model === arguments[0]) || null", model)
        assert link is not None, "no link to %r in the list: %s" % (model, self.ids())
        return link

    def js(self, script, *args):
        return self.browser.execute_script("return " + script, *args)

    def history_length(self):
        return self.js("history.length")

    def fetched(self):
        """The URLs the page fetched since it loaded, as the browser resolved them."""
        return self.js("performance.getEntriesByType('resource').map((e) => e.name)")

    def dialog_open(self):
        return self.el("#detail").get_attribute("open") is not None

    def overflow(self):
        return self.js("document.documentElement.scrollWidth - document.documentElement.clientWidth")

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
            "/v1/catalog/models/deepseek-ai%2FDeepSeek-V3?gateway=all")
        self.screenshot("model-detail.png")
        # Opened from a shared URL: closing takes the model out of this entry, adds none.
        length = self.history_length()
        self.el("#detail-close").click()
        self.until("the dialog to close", lambda: "model" not in self.query())
        assert not self.dialog_open()
        assert self.history_length() == length, "closing the dialog added a history entry"

    def keyboard_opens_and_closes(self):
        from selenium.webdriver.common.keys import Keys
        self.browser.get(self.base + "/?gateway=openrouter&limit=20")
        self.heading_settles("Models 1–20 of .*")
        link = self.els("#models tbody a[data-model]")[0]
        wanted = link.text
        link.send_keys(Keys.ENTER)
        self.until("the model's dialog", lambda: self.query().get("model") == wanted)
        self.until("the dialog's title", lambda: wanted in self.text("#detail-title"))
        length = self.history_length()
        self.el("#detail-close").send_keys(Keys.ESCAPE)
        self.until("the dialog to close", lambda: "model" not in self.query())
        assert not self.dialog_open()
        # Closing went back to the list's entry: no new one, and the focus is on the link
        # that opened the model.
        assert self.history_length() == length, "closing the dialog added a history entry"
        focused = self.js("document.activeElement.closest('a[data-model]')?.dataset.model ?? "
                          "document.activeElement.tagName")
        assert focused == wanted, "the focus went to %r, not to the model's link" % focused
        self.browser.forward()  # the model's entry is still ahead
        self.until("Forward to reopen the model", lambda: self.query().get("model") == wanted)
        self.until("the dialog", self.dialog_open)
        self.el("#detail-close").send_keys(Keys.ESCAPE)
        self.until("the dialog to close again", lambda: "model" not in self.query())

    def paging_waits_for_the_first_list(self):
        """Before a list is drawn there is nothing to page: Next and Previous are off."""
        self.console_errors()
        # The list's request waits (paused by the browser) until the check is done.
        self.browser.execute_cdp_cmd("Fetch.enable", {"patterns": [{"urlPattern": "*/v1/catalog/models*"}]})
        try:
            self.browser.get(self.base + "/?gateway=hug")
            self.until("the gateways", lambda: len(self.els("#gateway option")) > 2)
            assert self.text("#results-heading") == "Loading…", self.text("#results-heading")
            for button in ("#prev", "#next"):
                assert not self.el(button).is_enabled(), button + " is enabled before the first list"
            self.browser.execute_script("document.getElementById('next').click();"
                                        "document.getElementById('prev').click()")
            errors = self.console_errors()
            assert not errors, "console errors on a click before the list: %s" % errors
        finally:
            self.browser.execute_cdp_cmd("Fetch.disable", {})
        self.browser.get(self.base + "/?gateway=hug")
        self.heading_settles("Models 1–50 of .*")
        assert self.el("#next").is_enabled() and not self.el("#prev").is_enabled()

    def the_gateway_picker_stays_current(self):
        """Each list load reads the gateways again: their states and ages change."""
        self.browser.get(self.base + "/?gateway=hug")
        self.heading_settles("Models 1–50 of .*")
        hug = lambda: self.el("#gateway option[value=hug]").text  # noqa: E731
        self.until("the picker's labels", lambda: hug().startswith("hug — fresh"))
        self.browser.execute_script(
            "for (const o of document.getElementById('gateway').options) o.text = 'stale ' + o.value")
        self.el("#next").click()
        self.heading_settles("Models 51–100 of .*")
        self.until("the picker's labels to be read again", lambda: hug().startswith("hug — fresh"))
        assert self.el("#gateway").get_attribute("value") == "hug"

    def typing_is_one_history_entry(self):
        """A burst of typing adds one entry (Back goes to the list before it)."""
        self.browser.get(self.base + "/?gateway=hug")
        self.heading_settles("Models 1–50 of .*")
        length = self.history_length()
        box = self.el("#q")
        box.send_keys("qw")
        self.until("q=qw in the URL", lambda: self.query().get("q") == "qw")
        box.send_keys("en")
        self.until("q=qwen in the URL", lambda: self.query().get("q") == "qwen")
        assert self.history_length() == length + 1, (self.history_length(), length)
        self.browser.back()
        self.until("Back to the unfiltered list", lambda: "q" not in self.query())
        assert self.query().get("gateway") == "hug"
        self.heading_settles("Models 1–50 of .*")
        assert self.el("#q").get_attribute("value") == "", "the box still says what Back left"

    def paging_past_the_end_shows_the_last_page(self):
        total = self.api("/v1/catalog/models?gateway=hug&limit=0")["total"]
        last, pages = (total - 1) // 50 * 50, (total + 49) // 50
        self.browser.get(self.base + "/?gateway=hug&offset=nonsense")
        self.heading_settles("Models 1–50 of .*")
        for offset in ("999999950", "5000000000"):
            self.browser.get(self.base + "/?gateway=hug&offset=" + offset)
            self.heading_settles("Models %s–%s of %s" % (format(last + 1, ","), format(total, ","),
                                                          format(total, ",")))
            assert self.text("#page-of") == "Page %d of %d" % (pages, pages), self.text("#page-of")
            assert self.query().get("offset") == str(last), self.query()
            assert not self.el("#next").is_enabled() and self.el("#prev").is_enabled()
        self.el("#prev").click()
        self.heading_settles("Models %s–%s of .*" % (format(last - 49, ","), format(last, ",")))

    def long_state_stays_under_the_query_limit(self):
        """A URL longer than the server takes still serves the page, which trims it; and
        what a person types never makes a URL the API refuses."""
        self.browser.get(self.base + "/?gateway=hug&q=" + "x" * 3000)
        self.heading_settles("No models match")
        assert len(urllib.parse.urlparse(self.browser.current_url).query) <= MAX_QUERY_BYTES
        assert self.query().get("q") == "x" * 200, len(self.query().get("q", ""))
        assert not self.el("#error").is_displayed(), self.text("#error")
        self.browser.get(self.base + "/?gateway=hug")
        self.heading_settles("Models 1–50 of .*")
        for css in ("#provider", "#pipeline_tag", "#q"):
            self.el(css).send_keys("語" * 200)
        self.el("#q").submit()
        self.until("the search in the URL", lambda: self.query().get("q", "").startswith("語"))
        self.heading_settles("No models match")
        assert len(self.query()["q"].encode()) <= 200, "q is longer than the API takes"
        query = urllib.parse.urlparse(self.browser.current_url).query
        assert len(query) <= MAX_QUERY_BYTES, "a URL query of %d bytes" % len(query)
        assert not self.el("#error").is_displayed(), self.text("#error")
        raw = urllib.parse.urlparse(self.el("#raw-link").get_attribute("href")).query
        assert len(raw) <= MAX_QUERY_BYTES, "the list's query is %d bytes" % len(raw)

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


class HostilePageTest(PageTest):
    """The page on the hand-made hostile catalog (tests/web/hostile_openrouter.json)."""

    def open_list(self):
        self.browser.get(self.base + "/?gateway=hostile")
        self.heading_settles("Models 1–10 of 10")

    def ids_with_dot_segments_open_themselves(self):
        from selenium.webdriver.common.keys import Keys
        self.open_list()
        for wanted in ("a/../b", "pct/a%2Fb", "q/a?b#c d", "ar/نموذج-7b"):
            self.link_of(wanted).click()
            self.until("the model %r in the URL" % wanted, lambda: self.query().get("model") == wanted)
            self.until("its detail", lambda: "Every field" in self.text("#detail-body"))
            title = self.text("#detail-title")
            assert title.endswith("(%s)" % wanted), "%r opened %r" % (wanted, title)
            asked = self.base + "/v1/catalog/models/" + urllib.parse.quote(wanted, safe="")
            assert any(url.startswith(asked + "?") for url in self.fetched()), (
                asked, [u for u in self.fetched() if "/v1/catalog/models/" in u])
            self.el("#detail-close").send_keys(Keys.ESCAPE)
            self.until("the dialog to close", lambda: "model" not in self.query())
        # A hand-made URL cannot make the dialog fetch something else.
        self.browser.get(self.base + "/?gateway=hostile&model=" + urllib.parse.quote("../../../metrics", safe=""))
        self.until("the dialog's answer", lambda: "no model" in self.text("#detail-body"))
        assert "'../../../metrics'" in self.text("#detail-body"), self.text("#detail-body")
        strays = [u for u in self.fetched() if "/metrics" in u and "/v1/catalog/models/" not in u]
        assert not strays, "the dialog fetched %s" % strays
        # An id that is a dot segment has no path: the dialog says so and asks for nothing.
        self.browser.get(self.base + "/?gateway=hostile&model=..")
        self.until("the dialog's answer", lambda: "dot segment" in self.text("#detail-body"))
        strays = [u for u in self.fetched() if re.search(r"/v1/catalog/(models/|\?|$)", u)]
        assert not strays, "the dialog fetched %s" % strays

    def hidden_characters_show_and_text_is_isolated(self):
        self.open_list()
        shown = self.js("document.querySelector('#models tbody').textContent")
        for c in "\u202e\u0007\u001b\n\t":
            assert c not in shown, "U+%04X is in the list as it is" % ord(c)
        assert self.link_of("rtl/\u202egnp.exe").text == "rtl/U+202Egnp.exe"
        assert self.link_of("ctl/bell\u0007esc\u001b[31mred").text == "ctl/bellU+0007escU+001B[31mred"
        assert "lineU+000AbreakU+0009tab" in self.text("#models tbody"), self.text("#models tbody")
        bare = self.js("[...document.querySelectorAll('#models tbody a[data-model], #models tbody .sub')]"
                       ".filter((e) => !e.querySelector('bdi')).map((e) => e.textContent)")
        assert not bare, "ids and names not isolated: %s" % bare
        # The Arabic name reads right to left in its own box; the id, Latin first, left to right.
        name, id_ = self.js("[getComputedStyle(arguments[0].parentNode.querySelector('.sub bdi')).direction,"
                            " getComputedStyle(arguments[0].querySelector('bdi')).direction]",
                            self.link_of("ar/نموذج-7b"))
        assert (name, id_) == ("rtl", "ltr"), (name, id_)
        labels = self.js("[...document.querySelectorAll('#gateway option')].map((o) => o.text).join('|')")
        assert "\u202e" not in labels and "\u0007" not in labels, labels
        self.link_of("rtl/\u202egnp.exe").click()
        self.until("its detail", lambda: "Every field" in self.text("#detail-body"))
        assert "U+202E" in self.text("#detail-title") and "\u202e" not in self.js(
            "document.getElementById('detail').textContent")
        self.screenshot("hostile-detail.png")

    def markup_stays_text(self):
        self.open_list()
        markup = "xss/<img src=x onerror=alert(1)>"
        assert self.link_of(markup).text == markup
        self.link_of(markup).click()
        self.until("its detail", lambda: "Every field" in self.text("#detail-body"))
        assert "<script>document.title='pwned'</script>" in self.text("#detail-title")
        elements = self.js("document.querySelectorAll('main img, main script, #detail img, #detail script').length")
        assert elements == 0, "markup from the data became %d elements" % elements
        assert self.browser.title == "Gatehouse catalog", self.browser.title
        assert "<img src=x onerror=alert(1)>" in self.text("#gateway-status")

    def a_long_warning_wraps(self):
        for width, height in ((1280, 900), (390, 844)):
            self.browser.set_window_size(width, height)
            self.open_list()
            self.until("the warning", lambda: "links.next of" in self.text("#gateway-status"))
            assert self.overflow() <= 0, "the page scrolls sideways by %spx at %dpx" % (self.overflow(), width)
        self.screenshot("hostile-phone.png")
        self.browser.set_window_size(1280, 900)


STEPS = ("loads_with_every_gateway", "search_narrows_and_writes_the_url", "pages_forward_and_back",
         "opens_a_model_with_its_offers", "keyboard_opens_and_closes", "shows_why_a_gateway_fails",
         "a_shared_url_restores_the_view", "reads_on_a_phone", "the_reference_renders",
         "paging_waits_for_the_first_list", "the_gateway_picker_stays_current",
         "typing_is_one_history_entry", "paging_past_the_end_shows_the_last_page",
         "long_state_stays_under_the_query_limit")
HOSTILE_STEPS = ("ids_with_dot_segments_open_themselves", "hidden_characters_show_and_text_is_isolated",
                 "markup_stays_text", "a_long_warning_wraps")


def main(gatehouse, plugins, fixtures, shots):
    browser, reason = start_browser()
    if browser is None:
        print("SKIPPED: the browser test cannot run: " + reason)
        return SKIP
    shots = pathlib.Path(shots)
    shots.mkdir(parents=True, exist_ok=True)
    only = sys.argv[5:]  # a few steps by name, when working on them
    runs = ((recorded_gatehouse, PageTest, STEPS), (hostile_gatehouse, HostilePageTest, HOSTILE_STEPS))
    passed = 0
    try:
        for server, kind, steps in runs:
            steps = [s for s in steps if not only or s in only]
            if not steps:
                continue
            with server(gatehouse, plugins, fixtures) as base:
                test = kind(browser, base, shots)
                for step in steps:
                    print("step: " + step, flush=True)
                    getattr(test, step)()
                    passed += 1
    finally:
        browser.quit()
    print("%d steps passed in Chromium %s" % (passed, browser.capabilities.get("browserVersion")))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
