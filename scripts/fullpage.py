#!/usr/bin/env python3
"""One screenshot of a whole page, however tall, in headless Chromium (standard library only).

    scripts/fullpage.py URL WIDTH OUT.png        prints "HEIGHT SCROLL_WIDTH" of the page

Chromium's --screenshot shoots only its window, and a page's height is not known before it is
laid out: this drives the browser over the DevTools protocol on a pipe (--remote-debugging-pipe,
JSON messages ended by NUL bytes), lays the page out WIDTH px wide, reads the height of its
document once it stops changing, makes the viewport that tall and shoots it. SCROLL_WIDTH
above WIDTH means the page is wider than its window (cut off at the right on a phone).
Used by scripts/screenshots.sh; BROWSER names the browser (default: chromium).
"""

import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

MEASURE = (
    "JSON.stringify([Math.ceil(document.documentElement.getBoundingClientRect().height),"
    " document.documentElement.scrollWidth])"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
]


class Browser:
    """A headless browser and its DevTools pipe: commands in on fd 3, answers out on fd 4."""

    def __init__(self, browser: str, profile: str):
        to_browser, self.commands = os.pipe()
        self.answers, from_browser = os.pipe()

        def pipes_on_3_and_4():
            # Copies at 10 or above first: either end may itself be fd 3 or 4.
            reading = fcntl.fcntl(to_browser, fcntl.F_DUPFD, 10)
            writing = fcntl.fcntl(from_browser, fcntl.F_DUPFD, 10)
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        self.proc = subprocess.Popen(
            [browser, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=pipes_on_3_and_4,
        )
        os.close(to_browser)
        os.close(from_browser)
        self.buffer = b""
        self.next_id = 0
        self.events: list = []

    def read(self, deadline: float) -> dict:
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("the browser did not answer in time")
            chunk = os.read(self.answers, 1 << 20)
            if not chunk:
                raise EOFError("the browser closed its DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 60
        while True:
            answer = self.read(deadline)
            if answer.get("id") != self.next_id:
                self.events.append(answer)
                continue
            if "error" in answer:
                raise RuntimeError(f"{method}: {answer['error'].get('message')}")
            return answer["result"]

    def wait_for(self, method: str, session: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method and event.get("sessionId") == session:
                    del self.events[: i + 1]
                    return
            self.events.clear()
            self.events.append(self.read(deadline))

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (OSError, EOFError, TimeoutError, RuntimeError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def measure(browser: Browser, session: str) -> tuple[int, int]:
    result = browser.call(
        "Runtime.evaluate", {"expression": MEASURE, "returnByValue": True}, session
    )
    height, scroll_width = json.loads(result["result"]["value"])
    return height, scroll_width


def shoot(browser: Browser, url: str, width: int, out: str) -> tuple[int, int]:
    target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.call(
        "Target.attachToTarget", {"targetId": target, "flatten": True}
    )["sessionId"]
    browser.call("Page.enable", {}, session)
    metrics = {"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": False}
    browser.call("Emulation.setDeviceMetricsOverride", metrics, session)
    browser.call("Page.navigate", {"url": url}, session)
    browser.wait_for("Page.loadEventFired", session, 60)
    # Scripts may still fetch and draw after the load event (the viewer's sample browser):
    # wait until the size has stayed the same for a second, at most 15 s.
    size, steady, deadline = measure(browser, session), 0, time.monotonic() + 15
    while steady < 4 and time.monotonic() < deadline:
        time.sleep(0.25)
        now = measure(browser, session)
        steady = steady + 1 if now == size else 0
        size = now
    browser.call("Emulation.setDeviceMetricsOverride", {**metrics, "height": size[0]}, session)
    time.sleep(0.25)
    size = measure(browser, session)
    browser.call("Emulation.setDeviceMetricsOverride", {**metrics, "height": size[0]}, session)
    shot = browser.call("Page.captureScreenshot", {"format": "png"}, session)
    with open(out, "wb") as file:
        file.write(base64.b64decode(shot["data"]))
    return size


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    url, width, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    profile = tempfile.mkdtemp(prefix="fullpage-")
    browser = Browser(os.environ.get("BROWSER", "chromium"), profile)
    try:
        height, scroll_width = shoot(browser, url, width, out)
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)
    print(height, scroll_width)
    return 0


if __name__ == "__main__":
    sys.exit(main())
