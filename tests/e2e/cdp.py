"""cdp.py — a small Chrome DevTools Protocol client for the browser tests.

Debian's python3 has no websocket module, so this talks to Chromium over
--remote-debugging-pipe: Chromium reads commands from its fd 3 and writes
replies and events to its fd 4, each one JSON message ended by a NUL byte.
Only the standard library is used.

    b = Browser("/usr/bin/chromium", profile_dir, log_path, proxy="127.0.0.1:PORT")
    tab = b.new_tab()
    tab.navigate("http://127.0.0.1:8080/")
    tab.eval("document.title")
    b.close()

Every wait has a deadline; a Chromium that dies or hangs raises CDPError.
"""
import fcntl
import json
import os
import select
import time


class CDPError(Exception):
    pass


# The flags every run uses: headless, no sandbox (tests run as root), and
# none of Chromium's own traffic (updates, sync, safe browsing, QUIC, Google
# accounts), whose connections this machine's closed network refuses: what
# the flags do not switch off (the component updater, the account checks)
# is pointed at port 9 of the loopback (discard), so it has nowhere outside
# to go. The proxy of browser_check.py sees any request that is left.
BASE_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-dev-shm-usage", "--no-default-browser-check", "--mute-audio", "--hide-scrollbars",
              "--disable-default-apps", "--disable-extensions", "--disable-domain-reliability", "--no-pings",
              "--disable-client-side-phishing-detection", "--disable-breakpad", "--metrics-recording-only",
              "--allow-browser-signin=false", "--disable-field-trial-config",
              "--disable-features=Translate,OptimizationHints,MediaRouter,NetworkTimeServiceQuerying,"
              "AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions,"
              "AccountConsistency,DiceWebSigninInterception,SafeBrowsing,PrivacySandboxSettings4",
              "--component-updater=url-source=http://127.0.0.1:9/", "--gaia-url=http://127.0.0.1:9/",
              "--google-apis-url=http://127.0.0.1:9/", "--lso-url=http://127.0.0.1:9/"]


def _high(fd):
    """fd moved to a number >= 100 (close-on-exec), so that placing the
    pipes at 3 and 4 in the child cannot clobber one with the other."""
    n = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 100)
    os.close(fd)
    return n


class Browser:
    def __init__(self, chromium, profile_dir, log_path, proxy=None, extra=()):
        to_child_r, to_child_w = (_high(f) for f in os.pipe())
        from_child_r, from_child_w = (_high(f) for f in os.pipe())
        args = [chromium] + BASE_FLAGS + ["--user-data-dir=" + profile_dir, "--remote-debugging-pipe"]
        if proxy:
            # every request goes through the test's proxy, loopback included
            # ("<-loopback>" removes Chromium's implicit bypass of it)
            args += ["--proxy-server=http://" + proxy, "--proxy-bypass-list=<-loopback>"]
        args += list(extra) + ["about:blank"]
        self.log = open(log_path, "ab")
        # stdout and stderr first: the log's fd may be 3 or 4, which the
        # pipes take next (they are >= 100, so nothing clobbers them)
        actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_DUP2, self.log.fileno(), 1), (os.POSIX_SPAWN_DUP2, self.log.fileno(), 2),
                   (os.POSIX_SPAWN_DUP2, to_child_r, 3), (os.POSIX_SPAWN_DUP2, from_child_w, 4)]
        self.pid = os.posix_spawn(chromium, args, dict(os.environ), file_actions=actions)
        os.close(to_child_r)
        os.close(from_child_w)
        self.w, self.r = to_child_w, from_child_r
        self.buf = b""
        self.next_id = 0
        self.events = []  # (sessionId, method, params) not yet taken

    def _read_msg(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError("no message from Chromium in time")
            ready, _, _ = select.select([self.r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise CDPError("Chromium closed its pipe (did it crash? see its log)")
            self.buf += chunk
        msg, _, self.buf = self.buf.partition(b"\0")
        return json.loads(msg)

    def call(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        mid = self.next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            data = data[os.write(self.w, data):]
        deadline = time.monotonic() + timeout
        while True:
            m = self._read_msg(deadline)
            if m.get("id") == mid:
                if "error" in m:
                    raise CDPError("%s: %s" % (method, m["error"].get("message")))
                return m.get("result", {})
            if "method" in m:
                self.events.append((m.get("sessionId"), m["method"], m.get("params", {})))

    def wait_event(self, session, method, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for i, (s, meth, params) in enumerate(self.events):
                if s == session and meth == method:
                    del self.events[i]
                    return params
            m = self._read_msg(deadline)
            if "method" in m:
                self.events.append((m.get("sessionId"), m["method"], m.get("params", {})))

    def pump(self, timeout=0.05):
        """Takes the events that have arrived (without waiting long)."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                m = self._read_msg(deadline)
                if "method" in m:
                    self.events.append((m.get("sessionId"), m["method"], m.get("params", {})))
        except CDPError as e:
            if "in time" not in str(e):
                raise

    def new_tab(self):
        t = self.call("Target.createTarget", {"url": "about:blank"})
        s = self.call("Target.attachToTarget", {"targetId": t["targetId"], "flatten": True})
        return Tab(self, s["sessionId"])

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except (CDPError, OSError):
            pass
        for _ in range(50):
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.1)
        else:
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        os.close(self.w)
        os.close(self.r)
        self.log.close()


class Tab:
    def __init__(self, browser, session):
        self.b = browser
        self.s = session
        self.requests = []  # every URL this tab asked for (Network.requestWillBeSent)
        for d in ("Page", "Network", "Runtime", "DOM"):
            self.call(d + ".enable")

    def call(self, method, params=None, timeout=30):
        return self.b.call(method, params, self.s, timeout)

    def _take_requests(self):
        keep = []
        for ev in self.b.events:
            if ev[0] == self.s and ev[1] == "Network.requestWillBeSent":
                self.requests.append(ev[2]["request"]["url"])
            else:
                keep.append(ev)
        self.b.events = keep

    def viewport(self, width, height, mobile=False):
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})

    def navigate(self, url, timeout=30):
        self.b.events = [e for e in self.b.events if not (e[0] == self.s and e[1] == "Page.loadEventFired")]
        r = self.call("Page.navigate", {"url": url})
        if r.get("errorText"):
            raise CDPError("navigate %s: %s" % (url, r["errorText"]))
        self.b.wait_event(self.s, "Page.loadEventFired", timeout)
        self._take_requests()

    def eval(self, expr, timeout=30):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True},
                      timeout)
        self._take_requests()
        if "exceptionDetails" in r:
            raise CDPError("evaluate: %s" % r["exceptionDetails"].get("text"))
        return r.get("result", {}).get("value")

    def wait_for(self, expr, timeout=30, step=0.1):
        """Polls expr until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            v = self.eval(expr)
            if v:
                return v
            if time.monotonic() > deadline:
                raise CDPError("timed out waiting for %s" % expr)
            self.b.pump(step)

    def set_file(self, selector, path):
        root = self.call("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = self.call("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        if not node:
            raise CDPError("no element %s" % selector)
        self.call("DOM.setFileInputFiles", {"files": [path], "nodeId": node})

    def screenshot(self, path):
        """The whole page, as tall as its content, at the current width."""
        m = self.call("Page.getLayoutMetrics")
        size = m.get("cssContentSize") or m["contentSize"]
        vw = m.get("cssLayoutViewport", m.get("layoutViewport", {})).get("clientWidth", size["width"])
        clip = {"x": 0, "y": 0, "width": vw, "height": min(size["height"], 16000), "scale": 1}
        r = self.call("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True},
                      timeout=60)
        import base64
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))
