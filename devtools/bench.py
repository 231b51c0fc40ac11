"""`make bench`: the real pipeline on synthetic corpora, timed; figures and targets to JSON.

Not a test (CI does not run it): machines are noisy, so every figure is the median of
`--repeat` runs, and the targets that concern start-up are set above floors measured on the
same machine in the same session. Each pipeline run is a fresh `nianbao run` process, as the
nightly job is; its stages are timed from its progress lines (each stage announces itself on
stderr when it starts; `STAGES` maps the lines to stages, other lines are ignored), its peak
memory is the largest sum of RSS over its whole process tree (the run, its parse workers and
their forkserver, Prefect's temporary server, the watchdog), sampled every 50 ms.

Measured:
- floors: a trivial Prefect flow in a fresh process (its time, and its peak memory with
  Prefect's temporary server); `import great_expectations`; reading the
  corpus' files and splitting their lines in one process (the parse floor); pdfplumber's and
  python-docx's own table extraction of the same PDF/DOCX files, on as many processes as the
  parse stage uses (their floor);
- per corpus (1,000 and 10,000 reports of the default mix, 100,000 with --with-100k; each
  generated once by devtools.synth and cached in the work folder): the first run's wall time,
  per-stage times, peak memory and reports/s; the unchanged re-run; the re-run after one
  report's content changed (a line of prose appended); each a median, with its peak memory;
- a one-report run; PDFs and DOCX per file against their floor; the OCR reader's seconds per
  page on scans of synthetic PDFs (`--ocr-files`), in one process;
- all of it once with no Prefect server (a temporary one per run) and once against a running
  `prefect server start`, when --with-server is given.
The targets (issue 13) are printed as a table, figure | median | target | met, and written to
the JSON file with each figure's ratio to its target.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil

PY = sys.executable
NIANBAO = [PY, "-m", "flows.cli"]
# The one place that knows the flow's progress lines: a line starting with this text starts
# that stage (first match wins). A line matching none (counts, warnings, Prefect's own output)
# changes nothing: the time goes on counting to the stage it falls in.
STAGES = {
    "looking for changes": "scan",
    "reading files": "parse",
    "checking identities": "checks",
    "running Great Expectations": "expectations",
    "no changes": "checks",
    "no new findings": "report",
    "alert recorded": "report",
    "writing Parquet": "write_parquet",
    "publishing": "publish",
    "alert ": "send_alerts",  # sent after publishing
    "uploading to": "upload",
    "done": "done",
}
GIB = 2**30
CORPUS_SEED, CORPUS_DEFECT_RATE = 1, 0.05
APPENDED_PROSE = "本机关将继续做好政府信息公开工作，接受社会监督。"  # no number: no claim


@dataclass(frozen=True)
class Target:
    """A figure of the issue's "done when": where its median is in a mode's results, its
    bound, and the floors the bound sits above (a start-up target is floor + slack)."""

    figure: str
    path: tuple[str, ...]
    bound: float
    unit: str
    above: tuple[str, ...] = ()


TARGETS = (
    Target("10k end to end", ("corpus_10000", "first_run", "wall"), 60.0, "s"),
    Target("10k peak memory", ("corpus_10000", "first_run", "peak_gib"), 1.5, "GiB"),
    Target("100k end to end", ("corpus_100000", "first_run", "wall"), 600.0, "s"),
    Target("100k peak memory", ("corpus_100000", "first_run", "peak_gib"), 1.5, "GiB"),
    Target(
        "10k unchanged re-run",
        ("corpus_10000", "unchanged_rerun", "wall"),
        5.0,
        "s",
        ("prefect_trivial_flow",),
    ),
    Target(
        "10k unchanged re-run memory", ("corpus_10000", "unchanged_rerun", "peak_gib"), 0.5, "GiB"
    ),
    Target(
        "10k one changed file",
        ("corpus_10000", "one_changed", "wall"),
        10.0,
        "s",
        ("prefect_trivial_flow",),
    ),
    Target("10k parse stage / parse floor", ("corpus_10000", "parse_over_floor"), 10.0, "×"),
    Target("PDF parse / pdfplumber floor", ("office", "pdf", "ratio"), 1.5, "×"),
    Target("DOCX parse / python-docx floor", ("office", "docx", "ratio"), 1.5, "×"),
    Target("OCR of a scanned page (one core)", ("office", "ocr", "seconds_per_page"), 3.0, "s"),
    Target(
        "one report",
        ("one_report", "wall"),
        3.0,
        "s",
        ("prefect_trivial_flow", "import_great_expectations"),
    ),
)


def stage_of(line: str) -> str | None:
    """The stage a progress line starts, or None for any other line."""
    text = line.removeprefix("nianbao: ").strip()
    return next((stage for prefix, stage in STAGES.items() if text.startswith(prefix)), None)


def stage_times(lines: list[tuple[float, str]], wall: float) -> dict[str, float]:
    """Seconds per stage from (seconds since start, stderr line) pairs: "startup" until the
    first stage's line, then each stage until the next one starts; a stage met twice adds up."""
    marks: list[tuple[str, float]] = []
    for at, line in lines:
        stage = stage_of(line)
        if stage and (not marks or marks[-1][0] != stage):
            marks.append((stage, at))
    stages = {"startup": marks[0][1] if marks else wall}
    for (stage, at), (_, until) in zip(marks, [*marks[1:], ("end", wall)], strict=True):
        stages[stage] = stages.get(stage, 0.0) + until - at
    return stages


class _Peak:
    """Largest summed RSS of a process and its descendants, sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        self.peak, self._stop = 0, threading.Event()
        self._root = psutil.Process(pid)
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self._root, *self._root.children(recursive=True)]
                self.peak = max(self.peak, sum(_rss(p) for p in procs))
            except psutil.Error:  # the root ended between two samples
                pass
            self._stop.wait(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def _rss(p: psutil.Process) -> int:
    try:
        return p.memory_info().rss
    except psutil.Error:  # ended while sampled
        return 0


def run_pipeline(raw: Path, curated: Path, env: dict, extra=()) -> dict:
    """One `nianbao run` process: wall time, stage times, peak memory, its summary lines."""
    cmd = [*NIANBAO, "run", "--raw", str(raw), "--curated", str(curated), *extra]
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.PIPE, text=True)
        peak = _Peak(proc.pid)
        lines = [(time.perf_counter() - start, line) for line in proc.stderr]
        proc.wait()
        wall = time.perf_counter() - start
        peak_bytes = peak.stop()
        out.seek(0)
        summary = out.read()
    if proc.returncode != 0:
        tail = "".join(line for _, line in lines[-20:])
        raise RuntimeError(f"nianbao run failed ({proc.returncode}): {summary}{tail}")
    return {
        "wall": wall,
        "stages": stage_times(lines, wall),
        "peak_bytes": peak_bytes,
        "summary": summary,
    }


def median_runs(runs: list[dict]) -> dict:
    """The median of each figure over runs (each stage on its own); the last run's summary."""
    keys = sorted({k for r in runs for k in r["stages"]})
    peak = statistics.median(r["peak_bytes"] for r in runs)
    return {
        "wall": statistics.median(r["wall"] for r in runs),
        "stages": {k: statistics.median(r["stages"].get(k, 0.0) for r in runs) for k in keys},
        "peak_bytes": peak,
        "peak_gib": peak / GIB,
        "runs": len(runs),
        "summary": runs[-1]["summary"],
    }


def _timed(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


TRIVIAL_FLOW = "from prefect import flow\n@flow\ndef trivial():\n    return 1\ntrivial()\n"


def floors(env: dict, repeat: int) -> tuple[dict, float]:
    """Framework start-up floors, each a median over fresh processes (after one warm-up, which
    pays the Prefect database's migrations in a fresh PREFECT_HOME), and the memory floor: the
    peak (GiB, median) of the trivial flow's process tree (the flow and Prefect's temporary
    server), sampled as a run's is, in the same runs."""
    _trivial_flow(env)
    prefect = [_trivial_flow(env) for _ in range(repeat)]
    gx = [_timed([PY, "-c", "import great_expectations"], env) for _ in range(repeat)]
    times = {
        "prefect_trivial_flow": statistics.median(t for t, _ in prefect),
        "import_great_expectations": statistics.median(gx),
    }
    return times, statistics.median(p for _, p in prefect) / GIB


def _trivial_flow(env: dict) -> tuple[float, int]:
    """One trivial Prefect flow in a fresh process: (seconds, peak bytes of its tree)."""
    start = time.perf_counter()
    cmd = [PY, "-c", TRIVIAL_FLOW]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = _Peak(proc.pid)
    if proc.wait() != 0:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return time.perf_counter() - start, peak.stop()


def _split_lines(path: Path) -> int:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    return len(text.splitlines())


def parse_floor(raw: Path) -> float:
    """Reading every file and splitting its lines, in one process."""
    paths = sorted(p for p in raw.rglob("*") if p.is_file())
    start = time.perf_counter()
    for p in paths:
        _split_lines(p)
    return time.perf_counter() - start


def _pdf_tables(path: str) -> int:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return sum(len(page.extract_tables()) for page in pdf.pages)


def _docx_tables(path: str) -> int:
    import docx

    return sum(len(t._cells) for t in docx.Document(path).tables)


def _office_floor(paths: list[Path], workers: int) -> float:
    func = _pdf_tables if paths[0].suffix == ".pdf" else _docx_tables
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(func, [str(paths[0])]))  # start the workers and their imports first
        start = time.perf_counter()
        list(pool.map(func, [str(p) for p in paths]))
    return time.perf_counter() - start


def _office_parse(paths: list[Path], raw: Path) -> float:
    from transforms.run.ingest import parse_bounds, parse_files

    bounds = parse_bounds()
    parse_files(paths[:1], raw, bounds)  # the same warm-up as the floor gets
    start = time.perf_counter()
    results = parse_files(paths, raw, bounds)
    elapsed = time.perf_counter() - start
    bad = [s for s, r in results.items() if r.report["status"] != "parsed"]
    if bad:
        raise RuntimeError(f"not parsed: {bad[:3]}")
    return elapsed


def office(work: Path, n: int) -> dict:
    """PDF and DOCX: our parse stage per file against the library's own extraction."""
    from transforms.run.ingest import parse_bounds

    workers = parse_bounds().worker_count
    out = {}
    for fmt in ("pdf", "docx"):
        raw = corpus(work, f"office-{fmt}", n, seed=7, defect_rate=0.0, formats=(fmt,))
        paths = sorted(raw.iterdir())
        floor = _office_floor(paths, workers)
        ours = _office_parse(paths, raw)
        out[fmt] = {
            "files": len(paths),
            "workers": workers,
            "seconds_per_file": ours / len(paths),
            "floor_seconds_per_file": floor / len(paths),
            "ratio": ours / floor,
        }
    return out


def corpus(work: Path, name: str, n: int, seed: int, defect_rate: float, formats=None) -> Path:
    """The reports folder of a synthetic corpus, generated once and reused from `work` (also by
    a later bench given the same --work): a marker beside it records the arguments."""
    from devtools.synth import DEFAULT_FORMATS, generate

    out = work / name
    args = {"n": n, "seed": seed, "defect_rate": defect_rate, "formats": formats or DEFAULT_FORMATS}
    marker = out / "generated.json"
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) == {
        **args,
        "formats": list(args["formats"]),
    }:
        return out / "reports"
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    done = generate(n, out, seed=seed, defect_rate=defect_rate, formats=tuple(args["formats"]))
    print(f"  generated {done.reports} reports in {time.perf_counter() - start:.1f} s", flush=True)
    marker.write_text(json.dumps({**args, "formats": list(args["formats"])}), encoding="utf-8")
    return done.reports_dir


def ocr(work: Path, n: int) -> dict:
    """Scanned PDFs: the OCR reader's seconds per page, in one process (a parse worker's
    share of the machine), on scans (devtools.scans: turned 0.8°, speckled) of synthetic
    report PDFs."""
    from devtools import scans
    from transforms.extract.readers import read_document

    raw = corpus(work, "office-pdf", n, seed=7, defect_rate=0.0, formats=("pdf",))
    folder = work / "ocr-scans"
    folder.mkdir(exist_ok=True)
    pages = seconds = 0.0
    slowest = 0.0
    for path in sorted(raw.iterdir())[:n]:
        data = path.read_bytes()
        count = scans.page_count(data)
        scan = folder / path.name
        scan.write_bytes(scans.scanned(data, tuple(range(1, count + 1)), 0.8))
        start = time.perf_counter()
        read_document(scan, scan.read_bytes())
        took = time.perf_counter() - start
        pages, seconds, slowest = pages + count, seconds + took, max(slowest, took / count)
    return {"files": n, "pages": pages, "seconds_per_page": seconds / pages,
            "slowest_file_seconds_per_page": slowest}  # fmt: skip


def change_one_file(raw: Path) -> tuple[Path, bytes]:
    """Append a line of prose to one report (the first .txt, else the first .html) in place;
    its path and former bytes, to put back."""
    paths = sorted(raw.iterdir())
    path = next((p for p in paths if p.suffix == ".txt"), None)
    path = path or next(p for p in paths if p.suffix == ".html")
    before = path.read_bytes()
    text = before.decode("utf-8")
    if path.suffix == ".html":
        head, body, tail = text.rpartition("</body>")
        text = f"{head}<p>{APPENDED_PROSE}</p>\n{body}{tail}" if body else text + APPENDED_PROSE
    else:
        text = text.rstrip("\n") + "\n" + APPENDED_PROSE + "\n"
    path.write_bytes(text.encode("utf-8"))
    return path, before


def _repeat_once(raw: Path, curated: Path, env: dict) -> tuple[dict, dict, dict]:
    """A first run into an empty curated folder, the unchanged re-run, the one-file re-run."""
    shutil.rmtree(curated, ignore_errors=True)
    first = run_pipeline(raw, curated, env)
    unchanged = run_pipeline(raw, curated, env)
    path, before = change_one_file(raw)
    try:
        changed = run_pipeline(raw, curated, env)
    finally:
        path.write_bytes(before)
        shutil.rmtree(curated, ignore_errors=True)
    return first, unchanged, changed


def corpus_figures(work: Path, n: int, env: dict, repeat: int) -> dict:
    raw = corpus(work, f"synth-{n}", n, CORPUS_SEED, CORPUS_DEFECT_RATE)
    runs = [_repeat_once(raw, work / f"curated-{n}", env) for _ in range(repeat)]
    first, unchanged, changed = (median_runs([r[i] for r in runs]) for i in range(3))
    floor = statistics.median(parse_floor(raw) for _ in range(repeat))
    return {
        "reports": n,
        "first_run": first,
        "reports_per_second": n / first["wall"],
        "parse_floor_seconds": floor,
        "parse_over_floor": first["stages"].get("parse", 0.0) / floor,
        "unchanged_rerun": unchanged,
        "one_changed": changed,
    }


def one_report(work: Path, env: dict, repeat: int) -> dict:
    raw = work / "one"
    raw.mkdir(exist_ok=True)
    sample = Path("data/raw").resolve()
    shutil.copy(sample / sorted(os.listdir(sample))[0], raw)
    runs = []
    for _ in range(repeat):
        curated = work / "curated-one"
        shutil.rmtree(curated, ignore_errors=True)
        runs.append(run_pipeline(raw, curated, env))
    return median_runs(runs)


def _server(env: dict, home: Path):
    """A running `prefect server start` on a free port, and the environment pointing at it."""
    import urllib.request

    port = 4200 + os.getpid() % 500
    env = {**env, "PREFECT_HOME": str(home), "PREFECT_SERVER_API_PORT": str(port)}
    proc = subprocess.Popen(
        [PY, "-m", "prefect", "server", "start", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api"
    for _ in range(240):
        try:
            urllib.request.urlopen(url + "/health", timeout=1)
            return proc, {**env, "PREFECT_API_URL": url}
        except OSError:  # not listening yet
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("prefect server did not start in 120 s")


def measure(env: dict, work: Path, sizes: list[int], repeat: int, label: str) -> dict:
    print(f"[{label}] floors", flush=True)
    times, peak = floors(env, repeat)
    out = {"floors": times, "trivial_flow_peak_gib": peak}
    print(f"[{label}] one-report run", flush=True)
    out["one_report"] = one_report(work, env, repeat)
    for n in sizes:
        print(f"[{label}] {n} reports", flush=True)
        out[f"corpus_{n}"] = corpus_figures(work, n, env, repeat)
    return out


def _lookup(results: dict, path: tuple[str, ...]) -> float | None:
    for key in path:
        if not isinstance(results, dict) or key not in results:
            return None
        results = results[key]
    return results


def evaluate_targets(mode: dict, office_figures: dict | None) -> list[dict]:
    """Each target against a mode's medians: its bound (floors added), ratio and whether met;
    a figure not measured (a size not run) has median None and met None."""
    scope = {**mode, "office": office_figures or {}}
    rows = []
    for t in TARGETS:
        floors_used = {f: mode["floors"][f] for f in t.above}
        bound = t.bound + sum(floors_used.values())
        median = _lookup(scope, t.path)
        rows.append(
            {
                "figure": t.figure,
                "unit": t.unit,
                "median": median,
                "target": bound,
                "slack_above_floors": t.bound if t.above else None,
                "floors": floors_used,
                "ratio": None if median is None else median / bound,
                "met": None if median is None else median <= bound,
            }
        )
    return rows


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "not measured"
    return f"{value:.2f} {unit}" if unit in ("GiB", "×") else f"{value:.1f} {unit}"


def targets_table(rows: list[dict]) -> str:
    """figure | median | target | met, one line each, as markdown."""
    lines = ["| figure | median | target | met |", "|---|---|---|---|"]
    for r in rows:
        target = f"≤ {_number(r['target'], r['unit'])}"
        if r["floors"]:
            target += f" (floors + {r['slack_above_floors']:g} {r['unit']})"
        met = "—" if r["met"] is None else ("yes" if r["met"] else "no")
        lines.append(f"| {r['figure']} | {_number(r['median'], r['unit'])} | {target} | {met} |")
    return "\n".join(lines)


def corpus_table(mode: dict) -> str:
    """Per corpus: the runs' medians, stages of the first run, peak memory, reports/s."""
    lines = [
        "| reports | first run | stages of the first run (s) | peak | reports/s | unchanged "
        "re-run | one changed file |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, c in mode.items():
        if not key.startswith("corpus_"):
            continue
        first, same, one = c["first_run"], c["unchanged_rerun"], c["one_changed"]
        stages = ", ".join(f"{k} {v:.1f}" for k, v in first["stages"].items())
        lines.append(
            f"| {c['reports']:,} | {first['wall']:.1f} s | {stages} | {first['peak_gib']:.2f} GiB "
            f"| {c['reports_per_second']:.0f} | {same['wall']:.1f} s, {same['peak_gib']:.2f} GiB "
            f"| {one['wall']:.1f} s, {one['peak_gib']:.2f} GiB |"
        )
    return "\n".join(lines)


def _environment(work: Path) -> dict:
    env = {
        **os.environ,
        "PREFECT_HOME": str(work / "prefect-home-ephemeral"),  # not the user's database
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "False",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "CI": "true",  # plain progress lines, which time the stages
    }
    env.pop("PREFECT_API_URL", None)
    return env


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes (default 1000,10000)")
    parser.add_argument("--with-100k", action="store_true", help="add a corpus of 100,000")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median; 3)")
    parser.add_argument(
        "--office-files", type=int, default=40, help="PDFs and DOCX to time (0: not measured)"
    )
    parser.add_argument(
        "--ocr-files", type=int, default=6, help="scanned PDFs to OCR (6; 0: not measured)"
    )
    parser.add_argument("--with-server", action="store_true", help="also against a server")
    parser.add_argument("--out", type=Path, default=Path("bench.json"), help="JSON output")
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="folder for corpora and runs, kept (a later bench reuses its corpora); "
        "default: a temporary folder, removed at the end",
    )
    return parser


def _measure_all(args: argparse.Namespace, sizes: list[int], work: Path) -> dict:
    env = _environment(work)
    results: dict = {"cpu_count": os.cpu_count(), "sizes": sizes, "repeat": args.repeat}
    results["office"] = {}  # 0 files: not measured (its targets say so)
    if args.office_files:
        print("[office] PDF and DOCX parse against their floor", flush=True)
        results["office"] = office(work, args.office_files)
    if args.ocr_files:
        print("[office] OCR of scanned PDFs, seconds per page", flush=True)
        results["office"]["ocr"] = ocr(work, args.ocr_files)
    results["no_server"] = measure(env, work, sizes, args.repeat, "no server")
    if args.with_server:
        proc, server_env = _server(env, work / "prefect-home-server")
        try:
            results["with_server"] = measure(server_env, work, sizes, args.repeat, "server")
        finally:
            proc.terminate()
            proc.wait(30)
    return results


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.with_100k and 100_000 not in sizes:
        sizes.append(100_000)
    work = args.work or Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results = _measure_all(args, sizes, work)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    modes = [m for m in ("no_server", "with_server") if m in results]
    results["targets"] = {m: evaluate_targets(results[m], results["office"]) for m in modes}
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    for m in modes:
        print(
            f"\n{m.replace('_', ' ')}: floors {_floors_line(results[m]['floors'])}; "
            f"a trivial Prefect flow's peak memory {results[m]['trivial_flow_peak_gib']:.2f} GiB"
        )
        print(corpus_table(results[m]))
        print()
        print(targets_table(results["targets"][m]))
    print(f"\nfigures written to {args.out}")
    return 0


def _floors_line(floors_: dict) -> str:
    return ", ".join(f"{k} {v:.1f} s" for k, v in floors_.items())


if __name__ == "__main__":
    sys.exit(main())
