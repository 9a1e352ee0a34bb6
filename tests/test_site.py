"""The lesson website as a reader gets it: Jekyll builds it without warnings, every internal
link and image resolves, every episode page has its parts, and a real browser (headless
Chromium) shows every page without console errors, with solutions that open on click.

Needs Debian's `jekyll`, `chromium` and `chromium-driver`, and selenium (requirements.txt).
Without them the tests are skipped with the reason, except in CI (CI=true), where they fail:
.ci/run installs them. Screenshots for a person to look at go to _screenshots/ (git-ignored).
"""
import functools
import http.server
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from workshop import ROOT

pytestmark = pytest.mark.slow  # Jekyll and headless Chromium
EPISODES = sorted((ROOT / "_episodes").glob("[0-9][0-9]-*.md"))
PAGES = ["index.html", "setup.html", "reference.html", "instructors.html"]
SCREENSHOTS = ROOT / "_screenshots"
IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]
DESKTOP, PHONE = (1280, 900), (390, 844)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def missing(what, how):
    """Skip (on a workstation) or fail (in CI) because a tool is not installed."""
    message = f"{what} is not installed: {how}"
    if IN_CI:
        pytest.fail(message + " (CI must run these tests: .ci/run installs it)")
    pytest.skip(message)


def front_matter(path):
    """An episode's YAML front matter."""
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


# ----------------------------------------------------------------------------
# A small HTML tree (the standard library's parser; the pages are our own, well-formed HTML)
# ----------------------------------------------------------------------------
class Element:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag=None, cls=None):
        return [e for e in self.iter() if (tag is None or e.tag == tag) and (cls is None or cls in e.classes)]

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", {})

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


@functools.lru_cache(maxsize=None)
def parse(path):
    builder = TreeBuilder()
    builder.feed(Path(path).read_text(encoding="utf-8"))
    return builder.root


def squash(text):
    return re.sub(r"\s+", " ", text).strip()


# ----------------------------------------------------------------------------
# The build
# ----------------------------------------------------------------------------
def wait_for_ci_install():
    """.ci/run installs jekyll and Chromium in the background: wait for apt-get's exit status ($WORKSHOP_CI_TOOLS)."""
    prefix = os.environ.get("WORKSHOP_CI_TOOLS")
    if prefix:
        status, deadline = Path(prefix + ".status"), time.monotonic() + 900
        while not status.exists() and time.monotonic() < deadline:
            time.sleep(2)
        code = status.read_text().strip() if status.exists() else "none in 900 s"
        assert code == "0", f"apt-get in .ci/run failed (exit status {code}):\n{Path(prefix + '.log').read_text()}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """_site built by the project's own command into a temporary folder: (folder, build log)."""
    wait_for_ci_install()
    if not shutil.which("jekyll"):
        missing("jekyll", "apt-get install jekyll (Debian/Ubuntu), then bash run.sh site")
    site = tmp_path_factory.mktemp("site") / "_site"
    start = time.monotonic()
    run = subprocess.run(["bash", "run.sh", "site", "--destination", str(site)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    log = run.stdout + run.stderr
    assert run.returncode == 0, f"bash run.sh site failed:\n{log}"
    print(f"jekyll build: {time.monotonic() - start:.1f} s")
    return site, log


def test_the_build_has_no_warnings(built):
    _, log = built
    noisy = [line for line in log.splitlines() if re.search(r"warn|deprecat|error|invalid", line, re.I)]
    assert not noisy, "the Jekyll build is not clean:\n" + "\n".join(noisy)


def test_every_page_and_episode_is_built(built):
    site, _ = built
    for page in PAGES:
        assert (site / page).is_file(), page
    for episode in EPISODES:
        assert (site / episode.stem / "index.html").is_file(), episode.stem
    assert not (site / "tests").exists() and not (site / "README.md").exists(), "_config.yml exclude"


def _internal_targets(page):
    """(attribute, value) of every link, image, stylesheet and script in a page."""
    for element in parse(page).iter():
        for attribute in ("href", "src"):
            value = element.attrs.get(attribute)
            if value is not None and element.tag in ("a", "img", "link", "script", "source", "iframe"):
                yield element, value


def test_every_internal_link_and_image_resolves(built):
    """Relative links to files (never to folders), so the site works on GitHub Pages, on a
    local server and from disk (_site/index.html); #fragments name an id on their page."""
    site, _ = built
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= len(PAGES) + len(EPISODES)
    broken = []
    for page in pages:
        for element, value in _internal_targets(page):
            parts = urlsplit(value)
            if parts.scheme or parts.netloc:  # http(s):, mailto:, data: ... are not ours
                continue
            if parts.path.startswith("/"):
                broken.append(f"{page.relative_to(site)}: {value} is absolute; use a relative link")
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_file() or site.resolve() not in target.parents:
                broken.append(f"{page.relative_to(site)}: {value} does not resolve to a file in _site")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = {e.attrs.get("id") for e in parse(target).iter()} | {
                    e.attrs.get("name") for e in parse(target).find_all("a")}
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.relative_to(site)}: {value}: no id {parts.fragment!r} there")
    assert not broken, "\n".join(broken)


def test_every_image_has_alt_text(built):
    site, _ = built
    for page in site.rglob("*.html"):
        for image in parse(page).find_all("img"):
            assert (image.attrs.get("alt") or "").strip(), f"{page.relative_to(site)}: {image.attrs} has no alt"


@pytest.mark.parametrize("page", PAGES + [f"{e.stem}/index.html" for e in EPISODES])
def test_headings_are_in_order(built, page):
    """One h1, and no heading skips a level (h2 then h4)."""
    site, _ = built
    levels = [int(e.tag[1]) for e in parse(site / page).iter() if re.fullmatch(r"h[1-6]", e.tag)]
    assert levels and levels[0] == 1 and levels.count(1) == 1, f"{page}: headings {levels}"
    jumps = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
    assert not jumps, f"{page}: heading levels jump {jumps}"


@pytest.mark.parametrize("episode", EPISODES, ids=lambda p: p.stem)
def test_episode_page_has_its_parts(built, episode):
    site, _ = built
    meta = front_matter(episode)
    page = parse(site / episode.stem / "index.html")
    assert squash(page.find_all("h1")[0].text()) == squash(meta["title"])
    for box, key in (("objectives", "objectives"), ("questions", "questions"), ("keypoints", "keypoints")):
        boxes = page.find_all(cls=box)
        assert boxes, f"no .{box} box"
        assert len(boxes[0].find_all("li")) == len(meta[key]), f".{box} does not list every {key[:-1]}"
    banner = page.find_all(cls="outputs-banner")
    assert banner, "no banner naming the model behind the outputs"
    assert squash(meta["outputs_from"]) in squash(banner[0].text())
    assert meta["profile"] in banner[0].text()
    challenges = page.find_all("blockquote", "challenge")
    assert challenges, "no challenge"
    solutions = [d for c in challenges for d in c.find_all("details", "solution")]
    assert solutions, "no challenge has a solution"
    assert all("open" not in d.attrs for d in solutions), "a solution is open before it is clicked"
    assert all(d.children and d.find_all("summary") for d in solutions)
    assert page.find_all(cls="language-python") and page.find_all(cls="output"), "code and output blocks"


@pytest.mark.parametrize("episode", EPISODES, ids=lambda p: p.stem)
def test_episode_links_to_its_notebook_and_to_colab(built, episode):
    site, _ = built
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    notebook = front_matter(episode)["notebook"]
    assert (ROOT / notebook).is_file() and (site / notebook).is_file()
    links = {e.attrs.get("href") for e in parse(site / episode.stem / "index.html").find_all("a")}
    branch = config.get("branch", "main")
    assert f"../{notebook}" in links
    assert f"https://colab.research.google.com/github/{config['repository']}/blob/{branch}/{notebook}" in links


def test_schedule_lists_every_episode_with_its_time(built):
    site, _ = built
    schedule = parse(site / "index.html").find_all("table", "schedule")[0]
    rows = [squash(row.text()) for row in schedule.find_all("tr")]
    start = 0
    for episode in EPISODES:
        meta = front_matter(episode)
        time_mark = f"{start // 60}:{start % 60:02d}"
        assert any(row.startswith(time_mark) and squash(meta["title"]) in row for row in rows), (
            f"schedule: {meta['title']!r} at {time_mark}")
        start += meta["teaching"] + meta["exercises"]
    assert rows[-1].startswith(f"{start // 60}:{start % 60:02d} Finish")


def test_outputs_note_names_the_profile(built):
    site, _ = built
    note = squash(parse(site / "index.html").text())
    for episode in EPISODES:
        meta = front_matter(episode)
        assert meta["profile"] in note and squash(meta["outputs_from"]) in note


def test_github_pages_publishes_the_same_build():
    """The Pages workflow runs the project's own build command and deploys its _site/."""
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text())
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    uses = " ".join(step.get("uses", "") for step in steps)
    for action in ("actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"):
        assert action in uses, action
    assert any(step.get("run", "").strip() == "bash run.sh site" for step in steps)
    assert any(step.get("with", {}).get("path") == "_site" for step in steps)
    assert "main" in workflow[True]["push"]["branches"]  # YAML reads the key `on` as True


# ----------------------------------------------------------------------------
# In a real browser
# ----------------------------------------------------------------------------
class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser(built):
    """(headless Chromium driven by selenium, the base address of _site served on 127.0.0.1)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing("selenium", "bash run.sh test installs requirements.txt")
    binary = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        missing("chromium or its driver", "apt-get install chromium chromium-driver (Debian/Ubuntu)")
    site, _ = built
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS + [f"--window-size={DESKTOP[0]},{DESKTOP[1]}"]:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium must not look for drivers online
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_page_load_timeout(30)
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    (SCREENSHOTS / "desktop").mkdir(parents=True)
    (SCREENSHOTS / "phone").mkdir(parents=True)
    try:
        yield driver, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        driver.quit()
        server.shutdown()
        shutil.rmtree(profile, ignore_errors=True)


def _open(driver, url):
    """Load a page; return its console messages of level SEVERE (errors, failed requests)."""
    driver.get_log("browser")  # forget earlier pages' messages
    driver.get(url)
    for _ in range(100):
        if driver.execute_script("return document.readyState") == "complete":
            break
        time.sleep(0.05)
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _shot_name(page):
    return page.replace("/index.html", "").replace(".html", "") or "index"


@pytest.mark.parametrize("page", PAGES + [f"{e.stem}/index.html" for e in EPISODES])
def test_page_shows_without_console_errors(browser, page):
    """Desktop and phone width: no console errors, no page wider than a phone, screenshots."""
    driver, base = browser
    name = _shot_name(page)
    try:
        errors = _open(driver, base + page)
        assert not errors, f"{page}: console errors at desktop width: {errors}"
        assert driver.find_element("tag name", "h1").is_displayed()
        driver.save_screenshot(str(SCREENSHOTS / "desktop" / f"{name}.png"))
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": True})
        errors = _open(driver, base + page)
        assert not errors, f"{page}: console errors at phone width: {errors}"
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{page}: {overflow} px wider than a phone screen: the reader must scroll sideways"
        driver.save_screenshot(str(SCREENSHOTS / "phone" / f"{name}.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.mark.parametrize("episode", EPISODES, ids=lambda p: p.stem)
def test_solution_is_hidden_until_clicked(browser, episode):
    driver, base = browser
    assert not _open(driver, f"{base}{episode.stem}/index.html")
    solution = driver.find_element("css selector", "blockquote.challenge details.solution")
    summary = solution.find_element("css selector", "summary")
    answer = solution.find_elements("css selector", ":scope > :not(summary)")
    assert answer, "the solution is empty"
    assert not solution.get_property("open") and not answer[0].is_displayed(), "the solution shows before a click"
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary)
    summary.click()
    assert solution.get_property("open") and answer[0].is_displayed(), "a click does not show the solution"
    driver.save_screenshot(str(SCREENSHOTS / "desktop" / f"{episode.stem}-solution.png"))
    summary.click()
    assert not answer[0].is_displayed(), "a second click does not hide the solution"
