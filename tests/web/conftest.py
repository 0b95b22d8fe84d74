"""Browser tests: the real server on a demo city, driven through Debian's chromium by Playwright."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from dangjian.config import get_settings
from dangjian.db import make_engine, session_scope
from dangjian.demo.accounts import DEMO_PASSWORD, create_demo_accounts
from dangjian.demo.generator import generate
from dangjian.migrations import upgrade

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
LAPTOP = {"width": 1366, "height": 768}
# A 2-core machine running two test workers is slow at times: wait as long for assertions as for actions.
expect.set_options(timeout=15_000)
PHONE = {"width": 390, "height": 844}
# Non-background pixels of a chart's canvas, copied into an offscreen canvas first.
INK = """(selector) => {
  const source = document.querySelector(selector + ' canvas')
  if (!source || !source.width || !source.height) return 0
  const copy = document.createElement('canvas')
  copy.width = source.width
  copy.height = source.height
  const ctx = copy.getContext('2d')
  ctx.drawImage(source, 0, 0)
  const data = ctx.getImageData(0, 0, copy.width, copy.height).data
  let ink = 0
  for (let i = 0; i < data.length; i += 4) {
    const white = data[i] > 245 && data[i + 1] > 245 && data[i + 2] > 245
    if (data[i + 3] > 0 && !white) ink++
  }
  return ink
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def console_url(tmp_path_factory) -> Iterator[str]:
    """A server with the built browser app, on a small demo city with every demo account."""
    assert (get_settings().web_dist / "index.html").exists(), "浏览器端未构建：先运行 make web"
    database = f"sqlite:///{tmp_path_factory.mktemp('console') / 'city.db'}"
    engine = make_engine(database)
    upgrade(engine)
    with session_scope(engine) as session:
        generate(session, scale=0.02, seed=5)
        create_demo_accounts(session)
    engine.dispose()
    port = free_port()
    env = {**os.environ, "DANGJIAN_DATABASE_URL": database}
    server = subprocess.Popen([sys.executable, "-m", "dangjian.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"服务未能启动：{server.stderr.read().decode() if server.stderr else ''}")
        time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_as(browser: Browser, console_url: str):
    """page_as("county") is a laptop-size page signed in as that demo account (through the form)."""
    contexts = []

    def open_page(username: str | None = None, *, viewport: dict = LAPTOP) -> Page:
        context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=console_url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if username:
            sign_in(page, username)
        return page

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page: Page, username: str, password: str = DEMO_PASSWORD, *, navigate: bool = True) -> None:
    if navigate:
        page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def api_get(page: Page, path: str) -> dict:
    """The API's answer with the page's own session (to compare what the page shows)."""
    response = page.request.get(f"/api/v1{path}")
    assert response.ok, response.text()
    return response.json()
