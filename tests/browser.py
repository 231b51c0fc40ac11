"""Headless Chromium with the network off, for tests of pages a person opens (the Data Docs).

`offline_dom(page)` loads a copy of `page` (beside it, so its relative paths hold) with a probe
script added, lets the page's scripts and fonts settle, and returns the DOM Chromium built, what
the probe found loaded, and the page's console errors. Every request off the machine fails at
once: all proxied to a closed port, every host name unresolvable (tests/fixtures/html_pages/
make_pages.py drives Chromium the same way, with the network on).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

# What the page's assets would give it: jQuery and Bootstrap's plugins, Bootstrap's CSS applied
# (a .d-none element hidden), Font Awesome's CSS applied and its font loaded.
_PROBE = """<script>
window.addEventListener("load", function () {
  var hidden = document.createElement("div"), icon = document.createElement("i");
  hidden.className = "d-none";
  icon.className = "fas fa-check-circle";
  document.body.appendChild(hidden);
  document.body.appendChild(icon);
  document.fonts.load('900 16px "Font Awesome 6 Free"').then(function () {}, function () {});
  document.fonts.ready.then(function () {
    var probe = {
      jquery: typeof window.jQuery === "function",
      bootstrap_js: !!(window.jQuery && window.jQuery.fn.collapse),
      bootstrap_css: getComputedStyle(hidden).display === "none",
      font_awesome_css: getComputedStyle(icon, "::before").content !== "none",
      font_awesome_font: Array.from(document.fonts).some(function (f) {
        return f.family.indexOf("Font Awesome") !== -1 && f.status === "loaded";
      })
    };
    document.body.setAttribute("data-probe", JSON.stringify(probe));
  });
});
</script>
"""
_CONSOLE_ERROR = re.compile(r'CONSOLE[^"]*"((?:Uncaught|Failed)[^"]*)"')


@dataclass(frozen=True)
class Loaded:
    dom: str
    probe: dict
    console_errors: list[str]


def offline_dom(page: Path) -> Loaded:
    probe_page = page.with_name(f".probe-{page.name}")
    probe_page.write_text(page.read_text(encoding="utf-8") + _PROBE, encoding="utf-8")
    try:
        with tempfile.TemporaryDirectory() as profile:
            done = subprocess.run(
                [
                    *(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"),
                    *("--disable-background-networking", "--disable-component-update"),
                    *("--disable-sync", f"--user-data-dir={profile}"),
                    *("--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"),
                    *("--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000"),
                    *("--dump-dom", probe_page.as_uri()),
                ],
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            )
    finally:
        probe_page.unlink()
    found = re.search(r'data-probe="([^"]*)"', done.stdout)
    probe = json.loads(found[1].replace("&quot;", '"')) if found else {}
    return Loaded(done.stdout, probe, _CONSOLE_ERROR.findall(done.stderr))
