"""Word 97-2003 `.doc` and WPS `.wps` reports, converted to .docx by LibreOffice headless and
read by the .docx reader.

In: the bytes of a `.doc` or `.wps` file. Out: the .docx reader's `Document`, with
`file_format` "word" or "wps" (the suffix's name in `FORMATS`) and an `encoding` that says how
the text was obtained ("Word 97-2003, converted to .docx by LibreOffice"); locators are the
.docx reader's ("table 2, row 5, col 3"): LibreOffice keeps the tables, rows and cells of the
original, so they point to the same places as in Word or WPS. Or a `ReadError` for a person:
LibreOffice missing (with the Debian package to install), too slow, or unable to open the file.

What is inside a `.doc` decides how it is read, not its name:
- an OLE compound file (Word 97-2003; and WPS Office's own .wps, which is the same format:
  LibreOffice's `writer_MS_Word_97` type lists both extensions) is converted with the "MS Word 97"
  import filter, forced. Left to detect the type, LibreOffice imports any bytes it does not
  recognise as plain text and "converts" them; forced, garbage is refused;
- RTF (Word's "save as" offers it, sites name it .doc) is converted with the RTF filter;
- a zip (a .docx named .doc) goes to the .docx reader, an HTML page (Word's "save as web page",
  or a server's HTML export named .doc) to the HTML reader, without LibreOffice;
- anything else is refused: LibreOffice would read it as text, which is not the report.

Each conversion runs alone: a fresh temporary folder holds the input (under a safe ASCII name:
raw names can be anything, and soffice reads its arguments as URLs), the output, LibreOffice's
temporary files (TMPDIR) and a private profile (`-env:UserInstallation`), so concurrent
conversions never share an instance or a lock, and nothing of it is left afterwards. The profile
is seeded with settings that keep LibreOffice off the network and away from macros: macro
execution disabled outright and the security level "very high" (headless conversion runs no
macros by default either, but Word's VBA is loaded as executable by default, so this does not
rely on it), VBA not even loaded, no linked image fetched for an untrusted document, and every
proxy pointed at a closed local port (the proxy variables too), so a link in a document that
LibreOffice would follow finds no network. Stdin is closed.

Bounds. soffice forks oosplash and soffice.bin; it runs in its own session, and when the time
limit (NIANBAO_SOFFICE_TIMEOUT, seconds, default 60) is up the whole process group is killed,
children included, and the file is unreadable with a reason. Inside nianbao's parse workers
(`transforms.run.pool`) the worker's RLIMIT_AS (NIANBAO_PARSE_MEMORY_MB) would be inherited by
soffice, whose address space (hundreds of MB of mapped libraries before it opens anything) has
nothing to do with the worker's: soffice gets its own soft limit instead, NIANBAO_SOFFICE_MEMORY_MB
(default 4096, at most the inherited hard limit, which the pool leaves as it was), and a CPU-time
limit equal to the time limit, so that a soffice orphaned by a worker killed from outside still
stops by itself. The limits are set by `/bin/sh`'s `ulimit` just before it `exec`s soffice, not
by a `preexec_fn`: the parse stage may run in a process with threads (Prefect runs tasks in
threads), and Python code between fork and exec can deadlock on a lock another thread held.
"""

from __future__ import annotations

import math
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from transforms.extract.readers import FORMATS, Document, ReadError
from transforms.extract.readers import docx as docx_reader
from transforms.extract.readers import html as html_reader

BINARY_ENV = "NIANBAO_SOFFICE"  # the soffice command (a name on PATH or a path)
TIMEOUT_ENV = "NIANBAO_SOFFICE_TIMEOUT"
MEMORY_ENV = "NIANBAO_SOFFICE_MEMORY_MB"
DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_MEMORY_MB = 4096
KILL_WAIT_SECONDS = 2.0  # for soffice's processes to end once killed
WRITER_PACKAGE = "libreoffice-writer-nogui"
README_SECTION = 'README.md, section "Word .doc and WPS files: LibreOffice"'

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the signature of an OLE compound file
_RTF = b"{\\rtf"
_ZIP = b"PK\x03\x04"
_HTML_MARKS = (b"<html", b"<!doctype html")
_SNIFF_BYTES = 2048
# the kind of content → (LibreOffice import filter, suffix of the input file, how it is described)
_CONVERTED = {
    "ole": ("MS Word 97", ".doc", "Word 97-2003"),
    "rtf": ("Rich Text Format", ".rtf", "RTF"),
}
_EXPORT = "docx:MS Word 2007 XML"
_CLOSED_PROXY = ("127.0.0.1", 9)  # the discard port: nothing listens there
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "ftp_proxy", "all_proxy")
_LOG_CHARS = 300  # how much of soffice's own message goes into an error
# sh sets the limits, then becomes soffice: "$1" address space in KiB, "$2" CPU seconds
_LIMITED = 'ulimit -S -v "$1" && ulimit -S -t "$2" && shift 2 && exec "$@"'
_SETTINGS = {  # the private profile's registrymodifications.xcu: (path, property) → value
    ("org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution"): "true",
    ("org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel"): "3",
    ("org.openoffice.Office.Common/Security/Scripting", "BlockUntrustedRefererLinks"): "true",
    ("org.openoffice.Office.Writer/Filter/Import/VBA", "Load"): "false",
    ("org.openoffice.Office.Writer/Filter/Import/VBA", "Executable"): "false",
    ("org.openoffice.Inet/Settings", "ooInetProxyType"): "2",  # manual proxies
    ("org.openoffice.Inet/Settings", "ooInetNoProxy"): "",
    ("org.openoffice.Inet/Settings", "ooInetHTTPProxyName"): _CLOSED_PROXY[0],
    ("org.openoffice.Inet/Settings", "ooInetHTTPProxyPort"): str(_CLOSED_PROXY[1]),
    ("org.openoffice.Inet/Settings", "ooInetHTTPSProxyName"): _CLOSED_PROXY[0],
    ("org.openoffice.Inet/Settings", "ooInetHTTPSProxyPort"): str(_CLOSED_PROXY[1]),
    ("org.openoffice.Inet/Settings", "ooInetFTPProxyName"): _CLOSED_PROXY[0],
    ("org.openoffice.Inet/Settings", "ooInetFTPProxyPort"): str(_CLOSED_PROXY[1]),
}


def read(path: Path, data: bytes) -> Document:
    """Read a .doc or .wps report; see the module docstring."""
    suffix = path.suffix.lower()
    kind = _sniff(data)
    if kind == "zip":
        document, how = docx_reader.read(path, data), f"a .docx file named {suffix}"
    elif kind == "html":
        document = html_reader.read(path, data)
        how = f"{document.encoding} (an HTML page named {suffix})"
    elif kind in _CONVERTED:
        document, how = _converted(path, data, kind)
    else:
        raise ReadError(
            f"not a Word 97-2003 or WPS file: neither an OLE compound file, RTF, .docx nor HTML "
            f"(it starts with {data[:8]!r})"
        )
    return replace(document, file_format=FORMATS[suffix][0], encoding=how)


def _sniff(data: bytes) -> str | None:
    """What the bytes are: "ole", "rtf", "zip", "html" or None."""
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(_OLE):
        return "ole"
    if start.startswith(_RTF):
        return "rtf"
    if start.startswith(_ZIP):
        return "zip"
    head = start[:_SNIFF_BYTES].lower()
    if head.startswith(b"<") and any(mark in head for mark in _HTML_MARKS):
        return "html"
    return None


def _converted(path: Path, data: bytes, kind: str) -> tuple[Document, str]:
    infilter, suffix, described = _CONVERTED[kind]
    converted = convert(data, suffix, infilter, described, path.suffix.lower())
    try:
        document = docx_reader.read(path, converted)
    except ReadError as exc:
        raise ReadError(f"LibreOffice converted the {described} file, but: {exc}") from exc
    return document, f"{described}, converted to .docx by LibreOffice"


def convert(data: bytes, suffix: str, infilter: str, described: str, named: str) -> bytes:
    """The .docx LibreOffice makes of `data` (a `described` file, named `named`) read with
    `infilter`, or ReadError. It all happens in a temporary folder, removed afterwards."""
    command = [soffice(named)]
    timeout = _setting(TIMEOUT_ENV, DEFAULT_TIMEOUT_SECONDS)
    with tempfile.TemporaryDirectory(prefix="nianbao-soffice-", ignore_cleanup_errors=True) as t:
        work = Path(t)
        source, out = work / "in" / f"report{suffix}", work / "out"
        source.parent.mkdir()
        out.mkdir()
        source.write_bytes(data)
        command += [
            "--headless", "--invisible", "--nologo", "--norestore", "--nolockcheck",
            f"-env:UserInstallation={_profile(work / 'profile').as_uri()}",
            f"--infilter={infilter}", "--convert-to", _EXPORT, "--outdir", str(out), str(source),
        ]  # fmt: skip
        said = _run(command, work, timeout)
        result = out / "report.docx"
        if not result.is_file():
            why = said or "it gave no reason"
            raise ReadError(f"LibreOffice could not open it as a {described} file: {why}")
        return result.read_bytes()


def soffice(named: str = ".doc") -> str:
    """The soffice executable (NIANBAO_SOFFICE, default `soffice` on PATH), or ReadError."""
    found = shutil.which(os.environ.get(BINARY_ENV) or "soffice")
    if found is None:
        raise ReadError(
            f"reading {named} files needs LibreOffice, which is not installed here (no soffice "
            f"command): install the Debian package {WRITER_PACKAGE} (see {README_SECTION})"
        )
    return found


def _setting(name: str, default: float) -> float:
    raw = os.environ.get(name) or str(default)
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not value > 0:
        raise ValueError(f"bad {name} setting {raw!r}: a positive number is needed")
    return value


def _profile(folder: Path) -> Path:
    """A fresh LibreOffice profile with the module docstring's settings."""
    (folder / "user").mkdir(parents=True)
    items = "".join(
        f'<item oor:path="/{path}"><prop oor:name="{name}" oor:op="fuse">'
        f"<value>{value}</value></prop></item>\n"
        for (path, name), value in _SETTINGS.items()
    )
    (folder / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        f"{items}</oor:items>\n",
        encoding="utf-8",
    )
    return folder


def _run(command: list[str], work: Path, timeout: float) -> str:
    """Run soffice under its limits in its own session; its output, shortened. Output goes to a
    file, not a pipe: a child that outlives the launcher would hold a pipe open."""
    memory_kib, cpu_seconds = _memory_kib(), math.ceil(timeout)
    log = work / "soffice.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["/bin/sh", "-c", _LIMITED, "sh", str(memory_kib), str(cpu_seconds), *command],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=work,
            env=_environment(work),
            start_new_session=True,
        )
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process.pid)  # the launcher is not reaped yet: its group id is ours
            process.wait()
            raise ReadError(
                f"LibreOffice took longer than {timeout:g} s to convert the file and was "
                f"stopped (the limit is {TIMEOUT_ENV})"
            ) from None
        _kill_group(process.pid)  # anything the launcher left behind
    return _said(log.read_text(encoding="utf-8", errors="replace"))


def _memory_kib() -> int:
    """soffice's own address-space limit, within the hard limit this process inherited."""
    wanted = int(_setting(MEMORY_ENV, DEFAULT_MEMORY_MB) * 1024)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    return wanted if hard == resource.RLIM_INFINITY else min(wanted, hard // 1024)


def _environment(work: Path) -> dict[str, str]:
    closed = f"http://{_CLOSED_PROXY[0]}:{_CLOSED_PROXY[1]}"
    proxies = {v: closed for name in _PROXY_VARIABLES for v in (name, name.upper())}
    return {**os.environ, **proxies, "no_proxy": "", "NO_PROXY": "", "TMPDIR": str(work)}


def _kill_group(group: int) -> None:
    """SIGKILL every process of the group, and wait (up to KILL_WAIT_SECONDS) until none is
    left running: the launcher's children are not ours to reap, and a loaded machine takes a
    moment to end them."""
    try:
        os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):  # the group is gone: nothing was left
        return
    deadline = time.monotonic() + KILL_WAIT_SECONDS
    while _running_in(group) and time.monotonic() < deadline:
        time.sleep(0.01)


def _running_in(group: int) -> bool:
    """Whether a process of the group is still running (a zombie is not: it has ended and
    waits only to be reaped). Linux /proc; elsewhere False."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):  # the process ended while we looked
            continue
        if fields[0] != "Z" and int(fields[2]) == group:
            return True
    return False


def _said(log: str) -> str:
    """soffice's messages that say something (not its warning about Java), on one line."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    useful = [line for line in lines if "javaldx" not in line and not line.startswith("convert ")]
    text = "; ".join(useful)
    return text if len(text) <= _LOG_CHARS else text[: _LOG_CHARS - 1] + "…"
