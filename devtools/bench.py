"""`make bench`: the real pipeline on synthetic corpora, timed; figures to a JSON file.

Not a test (CI does not run it): machines are noisy, so every figure is the median of
`--repeat` runs, and the targets are ratios to floors measured on the same machine in the same
session. Each pipeline run is a fresh `nianbao run` process, as the nightly job is; its stages are
timed from its progress lines (each stage announces itself on stderr when it starts), its peak
memory is the largest sum of RSS over its process tree (the run and its parse workers), sampled
every 50 ms.

Measured:
- floors: a trivial Prefect flow in a fresh process; `import great_expectations`; reading the
  corpus' files and splitting their lines in one process (the parse floor); pdfplumber's and
  python-docx's own table extraction of the same PDF/DOCX files, on as many processes as the
  parse stage uses (their floor);
- per corpus (1,000 and 10,000 reports of the default mix): per-stage wall time, reports/s, peak
  memory, parse stage / parse floor; then a re-run with no changes;
- a one-report run; PDFs and DOCX per file against their floor;
- all of it once with no Prefect server (a temporary one per run) and once against a running
  `prefect server start`, when --with-server is given.
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
from pathlib import Path

import psutil

PY = sys.executable
NIANBAO = [PY, "-m", "flows.cli"]
STAGES = {  # a progress line starting with this text starts that stage
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
    "done": "done",
}
TARGETS = {
    "e2e_10k_seconds": 60.0,
    "e2e_10k_peak_gib": 1.5,
    "parse_over_floor": 10.0,
    "office_over_floor": 1.5,
    "unchanged_rerun_above_startup_seconds": 5.0,
    "one_report_above_floor_seconds": 3.0,
}


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
            except psutil.Error:
                pass
            self._stop.wait(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def _rss(p: psutil.Process) -> int:
    try:
        return p.memory_info().rss
    except psutil.Error:
        return 0


def run_pipeline(raw: Path, curated: Path, env: dict, extra=()) -> dict:
    """One `nianbao run` process: wall time, stage times, peak memory, its summary lines."""
    cmd = [*NIANBAO, "run", "--raw", str(raw), "--curated", str(curated), *extra]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = _Peak(proc.pid)
    marks = []
    for line in proc.stderr:
        text = line.removeprefix("nianbao: ").strip()
        stage = next((s for prefix, s in STAGES.items() if text.startswith(prefix)), None)
        if stage and (not marks or marks[-1][0] != stage):
            marks.append((stage, time.perf_counter() - start))
    out = proc.stdout.read()
    proc.wait()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"nianbao run failed ({proc.returncode}): {out}")
    stages = {"startup": marks[0][1] if marks else wall}
    for (stage, at), (_, until) in zip(marks, [*marks[1:], ("end", wall)], strict=True):
        stages[stage] = stages.get(stage, 0.0) + until - at
    return {"wall": wall, "stages": stages, "peak_bytes": peak.stop(), "summary": out}


def _median_runs(runs: list[dict]) -> dict:
    keys = {k for r in runs for k in r["stages"]}
    return {
        "wall": statistics.median(r["wall"] for r in runs),
        "stages": {k: statistics.median(r["stages"].get(k, 0.0) for r in runs) for k in keys},
        "peak_bytes": statistics.median(r["peak_bytes"] for r in runs),
        "runs": len(runs),
    }


def _timed(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


TRIVIAL_FLOW = "from prefect import flow\n@flow\ndef trivial():\n    return 1\ntrivial()\n"


def floors(env: dict, repeat: int) -> dict:
    """Framework start-up floors, each a median over fresh processes."""
    prefect = [_timed([PY, "-c", TRIVIAL_FLOW], env) for _ in range(repeat)]
    gx = [_timed([PY, "-c", "import great_expectations"], env) for _ in range(repeat)]
    return {
        "prefect_trivial_flow": statistics.median(prefect),
        "import_great_expectations": statistics.median(gx),
    }


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
    from devtools.synth import generate
    from transforms.run.ingest import parse_bounds

    workers = parse_bounds().worker_count
    out = {}
    for fmt in ("pdf", "docx"):
        corpus = generate(n, work / f"office-{fmt}", seed=7, formats=(fmt,))
        paths = sorted(corpus.reports_dir.iterdir())
        floor = _office_floor(paths, workers)
        ours = _office_parse(paths, corpus.reports_dir)
        out[fmt] = {
            "files": len(paths),
            "workers": workers,
            "seconds_per_file": ours / len(paths),
            "floor_seconds_per_file": floor / len(paths),
            "ratio": ours / floor,
        }
    return out


def corpus_figures(work: Path, n: int, env: dict, repeat: int) -> dict:
    from devtools.synth import generate

    corpus = generate(n, work / f"synth-{n}", seed=1, defect_rate=0.05)
    raw = corpus.reports_dir
    firsts, reruns = [], []
    for i in range(repeat):
        curated = work / f"curated-{n}-{i}"
        shutil.rmtree(curated, ignore_errors=True)
        firsts.append(run_pipeline(raw, curated, env))
        reruns.append(run_pipeline(raw, curated, env))
    first, rerun = _median_runs(firsts), _median_runs(reruns)
    floor = statistics.median(parse_floor(raw) for _ in range(repeat))
    return {
        "reports": n,
        "first_run": first,
        "reports_per_second": n / first["wall"],
        "peak_gib": first["peak_bytes"] / 2**30,
        "parse_floor_seconds": floor,
        "parse_over_floor": first["stages"].get("parse", 0.0) / floor,
        "unchanged_rerun": rerun,
    }


def one_report(work: Path, env: dict, repeat: int) -> dict:
    raw = work / "one"
    raw.mkdir(exist_ok=True)
    shutil.copy(Path("data/raw").resolve() / next(iter(sorted(os.listdir("data/raw")))), raw)
    runs = []
    for i in range(repeat):
        curated = work / f"curated-one-{i}"
        shutil.rmtree(curated, ignore_errors=True)
        runs.append(run_pipeline(raw, curated, env))
    return _median_runs(runs)


def _server(env: dict, home: Path):
    """A running `prefect server start` on a free port, and the environment pointing at it."""
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
            import urllib.request

            urllib.request.urlopen(url + "/health", timeout=1)
            return proc, {**env, "PREFECT_API_URL": url}
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("prefect server did not start in 120 s")


def measure(env: dict, work: Path, sizes: list[int], repeat: int, label: str) -> dict:
    print(f"[{label}] floors", flush=True)
    out = {"floors": floors(env, repeat)}
    print(f"[{label}] one-report run", flush=True)
    out["one_report"] = one_report(work, env, repeat)
    for n in sizes:
        print(f"[{label}] {n} reports", flush=True)
        out[f"corpus_{n}"] = corpus_figures(work, n, env, repeat)
    startup = out["floors"]["prefect_trivial_flow"]
    out["checks"] = {
        "one_report_above_floor_seconds": out["one_report"]["wall"]
        - startup
        - out["floors"]["import_great_expectations"],
        **{
            f"unchanged_rerun_{n}_above_startup_seconds": out[f"corpus_{n}"]["unchanged_rerun"][
                "wall"
            ]
            - startup
            for n in sizes
        },
    }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes (default 1000,10000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--office-files", type=int, default=40, help="PDFs and DOCX to time")
    parser.add_argument("--with-server", action="store_true", help="also against a server")
    parser.add_argument("--out", type=Path, default=Path("bench.json"), help="JSON output")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    env = {
        **os.environ,
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "False",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "CI": "true",  # plain progress lines, which time the stages
    }
    env.pop("PREFECT_API_URL", None)
    work = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    results = {"targets": TARGETS, "cpu_count": os.cpu_count()}
    try:
        print("[office] PDF and DOCX parse against their floor", flush=True)
        results["office"] = office(work, args.office_files)
        results["no_server"] = measure(env, work, sizes, args.repeat, "no server")
        if args.with_server:
            proc, server_env = _server(env, work / "prefect-home")
            try:
                results["with_server"] = measure(server_env, work, sizes, args.repeat, "server")
            finally:
                proc.terminate()
                proc.wait(30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(json.dumps(_headline(results), indent=2))
    print(f"figures written to {args.out}")
    return 0


def _headline(results: dict) -> dict:
    head = {"office": {k: round(v["ratio"], 2) for k, v in results.get("office", {}).items()}}
    for mode in ("no_server", "with_server"):
        if mode not in results:
            continue
        r = results[mode]
        head[mode] = {"floors": r["floors"], "checks": r["checks"]}
        for key, value in r.items():
            if key.startswith("corpus_"):
                head[mode][key] = {
                    "wall": round(value["first_run"]["wall"], 1),
                    "stages": {k: round(v, 2) for k, v in value["first_run"]["stages"].items()},
                    "peak_gib": round(value["peak_gib"], 2),
                    "reports_per_second": round(value["reports_per_second"]),
                    "parse_over_floor": round(value["parse_over_floor"], 1),
                    "unchanged_rerun_wall": round(value["unchanged_rerun"]["wall"], 1),
                }
    return head


if __name__ == "__main__":
    sys.exit(main())
