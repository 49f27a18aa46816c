"""A live server on a free port and Debian's Chromium driven by Playwright."""
import os
import shutil
import socket
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def live_server(app):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["WTF_CSRF_ENABLED"] = True  # the browser goes through CSRF like a person
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
        server.shutdown()


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the browser tests, closed when they are done (each test opens its own
    context: no cookies, storage or pages are shared between tests); launching it per module cost
    a second or two each time."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("LAPOR_REQUIRE_SERVICES"):
            pytest.fail("Debian's chromium is required for the browser tests (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield instance
        instance.close()
