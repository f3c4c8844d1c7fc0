"""A real headless browser for the page tests: Debian chromium driven by chromedriver over plain WebDriver HTTP.

`browser` (module-scoped fixture) gives a `Browser`; `Browser.screenshot(name)`
saves a PNG under `SCREENSHOTS` (`$SPACECOOP_SCREENSHOTS`, else
`build/screenshots/` at the repository root), which CI keeps as artefacts.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from support.pages import free_port

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SPACECOOP_SCREENSHOTS") or ROOT / "build" / "screenshots")

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class Browser:
    """The few WebDriver commands the tests need."""

    def __init__(self, endpoint: str, session: str) -> None:
        self.http = httpx.Client(base_url=f"{endpoint}/session/{session}", timeout=60)

    def _value(self, response: httpx.Response):
        body = response.json()
        if response.status_code != 200:
            raise AssertionError(f"WebDriver error: {body.get('value')}")
        return body["value"]

    def go(self, url: str) -> None:
        self._value(self.http.post("/url", json={"url": url}))

    def run(self, script: str, *args):
        return self._value(self.http.post("/execute/sync", json={"script": script, "args": list(args)}))

    def find(self, css: str) -> str:
        return self._value(self.http.post("/element", json={"using": "css selector", "value": css}))[ELEMENT]

    def click(self, css: str) -> None:
        self._value(self.http.post(f"/element/{self.find(css)}/click", json={}))

    def text(self, css: str) -> str:
        return self._value(self.http.get(f"/element/{self.find(css)}/text"))

    def screenshot(self, name: str) -> Path:
        """The viewport as `SCREENSHOTS/{name}.png` (for people to look at; CI keeps the folder)."""
        png = base64.b64decode(self._value(self.http.get("/screenshot")))
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        path.write_bytes(png)
        return path

    def wait_for(self, script: str, timeout: float = 20) -> object:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.run(script)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for: {script}")


def _require_or_skip(reason: str) -> None:
    if os.environ.get("SPACECOOP_REQUIRE_INTEROP") == "1":
        pytest.fail(f"{reason} (SPACECOOP_REQUIRE_INTEROP=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    if not (Path(CHROMIUM).exists() and shutil.which(CHROMEDRIVER)):
        _require_or_skip("Debian chromium and chromedriver are not installed")
    port = free_port()
    profile = tmp_path_factory.mktemp("chromium-profile")
    log = profile.parent / "chromedriver.log"
    driver = subprocess.Popen([CHROMEDRIVER, f"--port={port}", f"--log-path={log}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{endpoint}/status", timeout=2).json()["value"]["ready"]:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("chromedriver did not start")
            time.sleep(0.1)
        capabilities = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,1024",
            ]},
        }}}
        created = httpx.post(f"{endpoint}/session", json=capabilities, timeout=120).json()["value"]
        if "sessionId" not in created:
            raise AssertionError(f"chromium did not start: {created}")
        session = created["sessionId"]
        try:
            yield Browser(endpoint, session)
        finally:
            httpx.delete(f"{endpoint}/session/{session}", timeout=60)
    finally:
        driver.terminate()
        try:
            driver.wait(timeout=10)
        except subprocess.TimeoutExpired:
            driver.kill()
