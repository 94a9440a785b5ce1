"""What every step of the browser journey uses: people in their own browser contexts, and the page checks.

A check of a page: no horizontal scrolling at 375 px and 1280 px wide, and no serious or critical axe-core
violation. Problems are collected over the whole journey and reported together at its end, so one run shows
every page that needs fixing; server errors (5xx) and browser console errors (a CSP refusal, a failed
script) are collected the same way.

axe-core is injected with ``page.evaluate(source)``: that runs through the DevTools protocol, which the
app's Content-Security-Policy (script-src 'self') does not govern. ``page.add_script_tag(path=...)`` does not
work here: it adds an inline <script>, which the CSP refuses.

Two switches for a person looking into the pages:
- ``E2E_SCREENSHOTS=all``: also save every checked page at both widths under tests/artifacts/pages/.
- ``E2E_AXE_ALL=1``: report minor and moderate axe violations too (they then fail the run).
"""

from __future__ import annotations

import os
import re
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import PASSWORD

E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = E2E_DIR.parent / "artifacts"
AXE_SCRIPT = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
WIDTHS = (375, 1280)
HEIGHT = 900
# Chromium's locale before the person switches language through the page's language links.
OTHER_LOCALE = {"uk": "en-GB", "en": "uk-UA"}

OVERFLOW_JS = """
() => {
  const width = window.innerWidth;
  const scrollWidth = document.documentElement.scrollWidth;
  if (scrollWidth <= width) { return null; }
  const offenders = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 0.5) { continue; }
    const parent = element.parentElement;
    if (parent && parent !== document.body && parent.getBoundingClientRect().right > width + 0.5) { continue; }
    let name = element.tagName.toLowerCase();
    if (element.id) { name += "#" + element.id; }
    if (element.classList.length) { name += "." + Array.from(element.classList).join("."); }
    offenders.push(name + " (right edge " + Math.round(box.right) + " px)");
    if (offenders.length >= 8) { break; }
  }
  return {scrollWidth: scrollWidth, innerWidth: width, offenders: offenders};
}
"""

AXE_RUN_JS = """
async () => {
  const result = await window.axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => window.__axeAll || v.impact === "serious" || v.impact === "critical")
    .map(v => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map(n => ({
        target: n.target.join(" "), summary: n.failureSummary, html: n.html.slice(0, 200),
      })),
    }));
}
"""

FOCUS_JS = """
target => {
  const element = document.activeElement;
  let name = element ? element.tagName.toLowerCase() : "nothing";
  if (element && element.id) { name += "#" + element.id; }
  if (element && element.getAttribute("name")) { name += "[name=" + element.getAttribute("name") + "]"; }
  const text = element ? (element.innerText || element.value || "").trim().slice(0, 40) : "";
  if (text) { name += " “" + text + "”"; }
  if (!element) { return {name: name, reached: false, visible: false, ring: false}; }
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = Boolean(style.boxShadow) && style.boxShadow !== "none";
  const box = element.getBoundingClientRect();
  return {name: name, reached: element === target, visible: box.width > 0 && box.height > 0, ring: outline || shadow};
}
"""


def small_pdf(title: str = "ASC") -> bytes:
    """A valid one-page PDF of a few hundred bytes (its type is judged by its bytes)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
    ]
    stream = f"BT /F1 12 Tf 20 100 Td ({title}) Tj ET".encode()
    objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def small_png() -> bytes:
    """A 2×2 blue PNG, for the photo of the opening."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    rows = b"".join(b"\x00" + b"\x1f\x4e\x99" * 2 for _ in range(2))
    header = (2).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@dataclass
class Journey:
    """One run of the journey in one language: its people, its checks and the problems found."""

    browser: Any
    base_url: str
    lang: str
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    contexts: list[Any] = field(default_factory=list)
    last_page: Any = None
    axe_source: str = field(default="", repr=False)
    seconds: dict[str, float] = field(default_factory=dict)
    steps: list[tuple[str, float]] = field(default_factory=list)
    offline: bool = False

    def __post_init__(self) -> None:
        self.axe_source = AXE_SCRIPT.read_text(encoding="utf-8")

    # --- People --------------------------------------------------------------------------------------

    def person(self, email: str, *, login_form_by_keyboard: bool = False, check_login: bool = False) -> Any:
        """A new browser (context) for one person: open the login page in the other language, switch
        language through the language link, and sign in."""
        context = self.browser.new_context(
            base_url=self.base_url,
            locale=OTHER_LOCALE[self.lang],
            viewport={"width": WIDTHS[-1], "height": HEIGHT},
            timezone_id="Europe/Kyiv",
        )
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("response", lambda response: self._server_error(response))
        page.on("console", lambda message: self._console(page, message))
        page.goto("/login")
        self.switch_language(page)
        if check_login:
            self.check(page, "sign-in page")
        self.sign_in(page, email, by_keyboard=login_form_by_keyboard)
        return page

    def switch_language(self, page: Any) -> None:
        other = {"uk": "en", "en": "uk"}[self.lang]
        assert page.locator("html").get_attribute("lang") == other, "the browser's language should start as the other"
        with page.expect_navigation():
            page.locator(f'.lang-switch a[hreflang="{self.lang}"]').click()
        assert page.locator("html").get_attribute("lang") == self.lang

    def sign_in(self, page: Any, email: str, *, by_keyboard: bool = False) -> None:
        if by_keyboard:
            self.keyboard_submit(
                page,
                page.locator("main form[action='/login'] button[type=submit]"),
                [(page.locator("#email"), email), (page.locator("#password"), PASSWORD)],
            )
        else:
            page.fill("#email", email)
            page.fill("#password", PASSWORD)
            with page.expect_navigation():
                page.locator("main form[action='/login'] button[type=submit]").click()
        assert page.locator("form[action='/logout']").count() == 1, f"{email} is not signed in: {page.url}"

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()

    # --- Watching for errors ---------------------------------------------------------------------------

    def _server_error(self, response: Any) -> None:
        if response.status >= 500:
            self.problems.append(f"server error {response.status} on {response.request.method} {response.url}")

    def _console(self, page: Any, message: Any) -> None:
        if message.type == "error":
            text = message.text
            # A request that fails while the journey cut the connection on purpose is expected (htmx logs
            # it as an error); everything else is a problem.
            if self.offline and ("ERR_INTERNET_DISCONNECTED" in text or text.startswith("htmx:")):
                return
            # A response with an error status is logged too; the journey judges responses itself (5xx above,
            # an expected 404 in the test).
            if text.startswith("Failed to load resource: the server responded with a status of 4"):
                return
            self.problems.append(f"browser console error on {page.url}: {text}")

    # --- The checks of a page ----------------------------------------------------------------------------

    def check(self, page: Any, name: str) -> None:
        """No horizontal scrolling at each width, and no serious or critical accessibility violation."""
        self.last_page = page
        self.checked.append(name)
        where = f"{name} ({page.url.removeprefix(self.base_url)})"
        started = time.monotonic()
        try:
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": HEIGHT})
                if os.environ.get("E2E_SCREENSHOTS") == "all":
                    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
                    shot = ARTIFACTS / "pages" / f"{self.lang}-{len(self.checked):02d}-{slug}-{width}.png"
                    shot.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(shot), full_page=True)
                overflow = page.evaluate(OVERFLOW_JS)
                if overflow:
                    self.problems.append(
                        f"{where}: scrolls sideways at {width} px: scrollWidth {overflow['scrollWidth']} > "
                        f"innerWidth {overflow['innerWidth']}; widest: {', '.join(overflow['offenders'])}"
                    )
            self._timed("layout", started)
            started = time.monotonic()
            self.axe(page, where)
            self._timed("axe", started)
        finally:
            page.set_viewport_size({"width": WIDTHS[-1], "height": HEIGHT})

    def set_offline(self, page: Any, offline: bool) -> None:
        """Cut or restore the person's connection (network errors meanwhile are expected)."""
        if offline:
            self.offline = True
        page.context.set_offline(offline)

    def step(self, label: str) -> None:
        """Mark the start of a step of the journey (its time is reported with the run)."""
        now = time.monotonic()
        if self.steps:
            previous, since = self.steps[-1]
            self.steps[-1] = (previous, now - since)
        self.steps.append((label, now))

    def _timed(self, what: str, started: float) -> None:
        self.seconds[what] = self.seconds.get(what, 0.0) + time.monotonic() - started

    def axe(self, page: Any, where: str) -> None:
        # page.evaluate runs through the DevTools protocol, which the page's CSP (script-src 'self') does not
        # govern; a <script> added to the page with the same text would be refused as inline script.
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(self.axe_source)
            if os.environ.get("E2E_AXE_ALL"):
                page.evaluate("() => { window.__axeAll = true; }")
        for violation in page.evaluate(AXE_RUN_JS):
            nodes = "\n      ".join(f"{n['target']}: {n['html']}" for n in violation["nodes"])
            self.problems.append(
                f"{where}: axe {violation['impact']} {violation['id']}: {violation['help']}\n      {nodes}"
            )

    # --- The keyboard ------------------------------------------------------------------------------------

    def keyboard_submit(
        self,
        page: Any,
        submit: Any,
        fields: list[tuple[Any, str]] = (),
        *,
        start: Any = None,
        navigate: bool = True,
        max_tabs: int = 60,
    ) -> None:
        """Fill ``fields`` with the keyboard (focus, type), then press Tab until the focus reaches ``submit``
        (every stop on the way visible, the submit button with a visible focus ring) and press Enter."""
        for locator, value in fields:
            kind = locator.evaluate("e => e.tagName === 'SELECT' ? 'select' : (e.type || '')")
            if kind == "select":
                locator.focus()
                locator.select_option(value)
            elif kind in ("checkbox", "radio"):
                locator.focus()
                if not locator.is_checked():
                    page.keyboard.press("Space")
                assert locator.is_checked(), f"Space did not tick {locator}"
            elif kind in ("date", "datetime-local"):
                # Typing a date depends on the browser's locale format; the value is set the ISO way.
                locator.focus()
                locator.fill(value)
            else:
                locator.focus()
                page.keyboard.press("Control+A")
                page.keyboard.press("Delete")
                page.keyboard.type(value)
        if start is not None:
            start.focus()
        elif not fields:
            # A form of one button: come to it from the element before, as a keyboard user would.
            submit.focus()
            page.keyboard.press("Shift+Tab")
        started = time.monotonic()
        target = submit.element_handle()
        state = page.evaluate(FOCUS_JS, target)
        path = []
        while not state["reached"]:
            if len(path) >= max_tabs:
                raise AssertionError(f"{page.url}: Tab never reached {submit}; the focus went: {' → '.join(path)}")
            page.keyboard.press("Tab")
            state = page.evaluate(FOCUS_JS, target)
            path.append(state["name"])
            if not state["visible"]:
                self.problems.append(f"{page.url}: Tab stopped on an invisible element: {state['name']}")
        if not state["ring"]:
            self.problems.append(f"{page.url}: the focused submit button shows no focus ring: {state['name']}")
        self._timed("tabbing", started)
        self.seconds["tabs"] = self.seconds.get("tabs", 0) + len(path)
        if navigate:
            with page.expect_navigation():
                page.keyboard.press("Enter")
        else:
            page.keyboard.press("Enter")

    # --- The end -------------------------------------------------------------------------------------------

    def screenshots(self, name: str) -> list[Path]:
        """The last page the journey looked at, whole, at 1280 px and at 375 px wide."""
        page = self.last_page
        if page is None or page.is_closed():
            return []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        paths = []
        for width, suffix in ((WIDTHS[-1], ""), (WIDTHS[0], f"-{WIDTHS[0]}")):
            page.set_viewport_size({"width": width, "height": HEIGHT})
            path = ARTIFACTS / f"{name}{suffix}.png"
            page.screenshot(path=str(path), full_page=True)
            paths.append(path)
        return paths

    def failure_screenshots(self, name: str) -> list[Path]:
        """Every page still open when the journey failed: where each person was."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        paths = []
        for context_number, context in enumerate(self.contexts):
            for page_number, page in enumerate(context.pages):
                path = ARTIFACTS / f"{name}-failed-{context_number}-{page_number}.png"
                try:
                    page.screenshot(path=str(path), full_page=True)
                except Exception:  # noqa: BLE001 - a page that cannot be drawn any more is skipped
                    continue
                paths.append(path)
        return paths

    def report(self) -> str:
        return f"{len(self.problems)} problem(s) in the {self.lang} journey:\n" + "\n".join(
            f"  - {problem}" for problem in self.problems
        )
