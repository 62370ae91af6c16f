"""Headless Chromium through the DevTools protocol over a pipe: no websocket, no package.

``chromium --remote-debugging-pipe`` reads protocol messages (JSON, each ended by a NUL)
from its file descriptor 3 and writes answers and events to 4.  Enough of the protocol to
open a page, read what it logged, measure its elements and take a screenshot; used by the
browser tests and ``scripts/screenshots.py``.

    with Chromium() as browser:
        page = browser.open("file:///tmp/report.html", width=1000, height=800)
        page.errors            # console errors, exceptions, refused loads
        page.evaluate("document.title")
        png = page.screenshot()   # bytes of the whole page
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from typing import Any

#: Debian's package name; CI installs it (.ci/run).
BINARIES = ("chromium", "chromium-browser", "google-chrome")


class BrowserError(RuntimeError):
    pass


def find_chromium() -> str | None:
    for name in BINARIES:
        path = shutil.which(name)
        if path:
            return path
    return None


class Chromium:
    def __init__(self, binary: str | None = None, timeout: float = 60):
        self.binary = binary or find_chromium()
        if not self.binary:
            raise BrowserError("chromium is not installed: apt-get install -y chromium")
        self.timeout = timeout
        self._id = 0
        self._buffer = b""
        self._events: list[dict[str, Any]] = []

    def __enter__(self) -> Chromium:
        # High descriptors, so placing them at 3 and 4 in the child clobbers nothing (bash:
        # dash redirects single-digit descriptors only).
        to_child_r, to_child_w = (fcntl.fcntl(fd, fcntl.F_DUPFD, 20) for fd in os.pipe())
        from_child_r, from_child_w = (fcntl.fcntl(fd, fcntl.F_DUPFD, 20) for fd in os.pipe())
        args = [
            self.binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-sync", "--mute-audio",
            "--remote-debugging-pipe", f"--user-data-dir={self._profile()}", "about:blank",
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            ["bash", "-c", f'exec "$@" 3<&{to_child_r} 4>&{from_child_w}', "bash", *args],
            pass_fds=(to_child_r, from_child_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._out, self._in = to_child_w, from_child_r
        return self

    def _profile(self) -> str:
        import tempfile

        self._tmp = tempfile.TemporaryDirectory(prefix="civicnews-chromium-")
        return self._tmp.name

    def __exit__(self, *exc: object) -> None:
        try:
            self.send("Browser.close")
        except (BrowserError, OSError):
            pass  # already gone: the kill below is what matters
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._out)
        os.close(self._in)
        self._tmp.cleanup()

    # -- protocol -----------------------------------------------------------------------

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self._events.append(reply)

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise BrowserError(f"chromium did not answer within {self.timeout:.0f} s")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise BrowserError("chromium closed its DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def wait_event(self, method: str, session: str) -> dict[str, Any]:
        while True:
            for i, event in enumerate(self._events):
                if event.get("method") == method and event.get("sessionId") == session:
                    return self._events.pop(i)
            self._events.append(self._read())

    def open(self, url: str, width: int = 1000, height: int = 800) -> Page:
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        page = Page(self, session)
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.send("Page.navigate", session, url=url)
        self.wait_event("Page.loadEventFired", session)
        return page


class Page:
    def __init__(self, browser: Chromium, session: str):
        self.browser = browser
        self.session = session

    @property
    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and browser-logged errors so far."""
        self.evaluate("0")  # let events that arrived with the load be read
        found = []
        for event in self.browser._events:
            if event.get("sessionId") != self.session:
                continue
            params = event.get("params", {})
            method = event.get("method")
            if method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                found.append(" ".join(str(a.get("value", "")) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(params["entry"].get("text", "error"))
        return found

    def evaluate(self, expression: str) -> Any:
        result = self.browser.send(
            "Runtime.evaluate", self.session, expression=expression, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:60]}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def screenshot(self, full_page: bool = True) -> bytes:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            width, height = self.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
            )
            params.update(
                captureBeyondViewport=True,
                clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            )
        data = self.browser.send("Page.captureScreenshot", self.session, **params)["data"]
        return base64.b64decode(data)
