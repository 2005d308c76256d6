"""The browser tier's fixtures: Playwright on Debian's Chromium (``CHROMIUM_PATH`` overrides /usr/bin/chromium, no
browser download), logging in through the form, and a screenshot with an axe-core check of a page.

tests/conftest.py gives every test below this directory the ``browser`` mark, and sets DJANGO_ALLOW_ASYNC_UNSAFE
(Playwright's ``page`` and the ORM in one test) before anything imports Django.
"""

import os

import pytest

from tests.support import ROOT

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


# --- Chromium ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium instead of a Playwright download; quiet on this closed network."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


# --- Pages in a real browser -------------------------------------------------------------------------


@pytest.fixture
def login_as(page, live_server):
    """Log in through the login form, as a person would, on the test's page (or another, `on`); returns it."""

    def login(username: str, password: str = "demo", on=None):
        target = on or page
        target.goto(f"{live_server.url}/accounts/login/")
        target.get_by_label("Username").fill(username)
        target.get_by_label("Password").fill(password)
        target.get_by_role("button", name="Log in").click()
        target.wait_for_load_state()
        return target

    return login


@pytest.fixture
def check_page():
    """Screenshot the page into test-artifacts/ (kept out of git) and run axe-core on it.

    Fails on any serious or critical accessibility violation.
    """
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page, name: str):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
        results = axe.run(page)
        serious = [v for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]
        assert not serious, "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}" for v in serious
        )

    return check
