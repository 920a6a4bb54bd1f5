"""`make bench`: page weight, Lighthouse, handler cold start, warm request time and build time, against budgets.

Prints a table, writes bench/results.json, and exits non-zero when a budget is broken. Runs on request only:
timings depend on the machine, so the test suite never asserts them.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUDGETS = {
    "text_page_gzip_kb": 40,
    "form_page_gzip_kb": 60,
    "content_image_kb": 100,
    "lighthouse_performance_min": 99,
    "lighthouse_min": 100,  # accessibility, best practices and SEO
    "cold_start_extra_ms": 50,
    "warm_p50_ms": 2.0,
}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run"
YEAR = 31536000
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/avif", "image/gif", "image/svg+xml")


def build(target: Path, site_url: str, docs_dir: Path | None = None) -> float:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SITE_URL": site_url}
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(target)]
    config = ROOT / "mkdocs.yml"
    if docs_dir is not None:
        text = config.read_text(encoding="utf-8") + f"\ndocs_dir: {docs_dir}\n"
        config = docs_dir.parent / "mkdocs.yml"
        config.write_text(text, encoding="utf-8")
    command += ["-f", str(config)]
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def start_server(site_dir: Path, var_dir: Path) -> tuple[str, object]:
    from tests.conftest import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    os.environ.update(
        {"PORT": str(port), "SITE_URL": url, "SITE_DIR": str(site_dir), "VAR_DIR": str(var_dir)}
    )
    import devserver

    httpd = devserver.serve("127.0.0.1", port, site_dir)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return url, httpd


def page_paths(site_dir: Path) -> list[str]:
    paths = []
    for html in sorted(site_dir.rglob("index.html")):
        relative = html.relative_to(site_dir).as_posix()
        if not relative.startswith(("assets/", "search/")):
            paths.append(relative.removesuffix("index.html"))
    return paths


def page_weights(url: str, paths: list[str]) -> list[dict]:
    """Each page's first view (an empty cache): the bytes of each response's body, raw and gzipped, and the number
    of requests. Then, in the same browser, its repeat view: the next page of the list opened after it, and what
    that fetched again over the network (a page only, if the stylesheets and scripts were kept)."""
    from playwright.sync_api import sync_playwright

    rows: dict[str, dict] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_FLAGS.split())
        for index, path in enumerate(paths):
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            network = _Network(context.new_cdp_session(page))
            responses: list = []
            page.on("response", lambda r, store=responses: store.append(r))
            page.goto(url + path, wait_until="networkidle")
            row = rows.setdefault(path, {"page": path or "(home)"})
            row.update(_first_view(page, path, responses))
            # The repeat view: another page, with what this one left in the cache.
            following = paths[(index + 1) % len(paths)]
            first = network.take()
            page.goto(url + following, wait_until="networkidle")
            repeat = network.take()
            seen = {f["url"] for f in first if "/api/" not in f["url"]}  # the API's answers are never kept
            again = [r for r in repeat if r["network"] and r["url"] in seen]
            fetched = [r for r in repeat if r["network"]]
            # Files the first page did not use (a form's own script, an Easy Read page's pictures): new, not again.
            new = [r for r in fetched if r["url"] != url + following and r not in again]
            rows.setdefault(following, {"page": following or "(home)"}).update(
                {
                    "repeat_requests": len(fetched),
                    "repeat_new_files": len(new),
                    "repeat_kb": round(sum(r["bytes"] for r in fetched) / 1024, 1),
                    "repeat_fetched_again": sorted({r["url"].removeprefix(url) for r in again}),
                }
            )
            context.close()
        browser.close()
    return [rows[path] for path in paths]


def _first_view(page, path: str, responses: list) -> dict:
    raw = gz = images = biggest_image = 0
    short_lived = set()
    for response in responses:
        try:
            body = response.body()
        except Exception:  # noqa: S112 - redirects and aborted requests have no body
            continue
        kind = (response.headers.get("content-type") or "").split(";")[0]
        if kind in {"text/css", "application/javascript", "text/javascript"} and not _kept_a_year(
            response.headers.get("cache-control", "")
        ):
            short_lived.add(response.url.split("/", 3)[-1])
        if kind in IMAGE_TYPES:
            images += len(body)
            biggest_image = max(biggest_image, len(body))
            continue
        raw += len(body)
        gz += len(gzip.compress(body, 9))
    # A form page: a step of a form's journey (the form, its confirmation, its paper version) or a page with a
    # working form of its own (the dates calculator). Everything else is a text page.
    is_form = "forms/" in path or page.locator("form:not([name=search])").count() > 0
    return {
        "kind": "form" if is_form else "text",
        "requests": len(responses),
        "raw_kb": round(raw / 1024, 1),
        "gzip_kb": round(gz / 1024, 1),
        "images_kb": round(images / 1024, 1),
        "largest_image_kb": round(biggest_image / 1024, 1),
        "not_kept_a_year": sorted(short_lived),
    }


def _kept_a_year(cache_control: str) -> bool:
    parts = {p.strip() for p in cache_control.lower().split(",")}
    ages = [int(p.split("=", 1)[1]) for p in parts if p.startswith("max-age=") and p[8:].isdigit()]
    return "immutable" in parts and bool(ages) and ages[0] >= YEAR


class _Network:
    """What Chromium itself says of each request (DevTools protocol): from its cache or over the network, and the
    bytes that came over the network (compressed, with headers)."""

    def __init__(self, cdp) -> None:
        self.requests: dict[str, dict] = {}
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", self._cached)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.send("Network.enable")

    def _sent(self, event: dict) -> None:
        self.requests[event["requestId"]] = {"url": event["request"]["url"], "network": True, "bytes": 0}

    def _cached(self, event: dict) -> None:
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["network"] = False

    def _received(self, event: dict) -> None:
        request = self.requests.get(event["requestId"])
        response = event["response"]
        if request is not None and (response.get("fromDiskCache") or response.get("fromPrefetchCache")):
            request["network"] = False

    def _finished(self, event: dict) -> None:
        request = self.requests.get(event["requestId"])
        if request is not None and request["network"]:
            request["bytes"] = event.get("encodedDataLength", 0)

    def take(self) -> list[dict]:
        done, self.requests = list(self.requests.values()), {}
        return done


def lighthouse(url: str, paths: list[str]) -> list[dict]:
    binary = ROOT / "bench" / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        subprocess.run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=ROOT / "bench", check=True)
    rows = []
    for path in paths:
        report = None
        for _attempt in range(2):  # Chromium now and then fails to start under load; one retry
            with tempfile.NamedTemporaryFile(suffix=".json") as out:
                run = subprocess.run(
                    [
                        str(binary),
                        url + path,
                        "--quiet",
                        "--output=json",
                        f"--output-path={out.name}",
                        f"--chrome-flags={CHROME_FLAGS}",
                        "--form-factor=mobile",
                    ],
                    env={**os.environ, "CHROME_PATH": CHROMIUM},
                    capture_output=True,
                    text=True,
                    timeout=240,
                )
                if run.returncode == 0:
                    report = json.loads(Path(out.name).read_text())
                    break
        if report is None:
            rows.append({"page": path or "(home)", "error": run.stderr[-500:]})
            continue
        scores = {k: round(v["score"] * 100) for k, v in report["categories"].items()}
        metrics = report["audits"]
        rows.append(
            {
                "page": path or "(home)",
                **scores,
                "lcp_ms": round(metrics["largest-contentful-paint"]["numericValue"]),
                "cls": round(metrics["cumulative-layout-shift"]["numericValue"], 3),
                "tbt_ms": round(metrics["total-blocking-time"]["numericValue"]),
            }
        )
    return rows


def _fresh(code: str, runs: int = 7) -> float:
    """Median seconds a fresh interpreter takes to run code (timed inside, so start-up is excluded)."""
    script = f"import time; t = time.perf_counter()\n{code}\nprint(time.perf_counter() - t)"
    env = {
        **os.environ,
        "AWS_DEFAULT_REGION": "eu-west-2",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "FORMS_BACKEND": "aws",
        "SUBMISSIONS_BUCKET": "b",
        "QUEUE_URL": "https://sqs.eu-west-2.amazonaws.com/1/q",
    }
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(times)


def cold_start() -> dict:
    # As on Lambda: the artefact carries .pyc files (functions/Makefile compiles it), so our modules are not compiled
    # at a cold start. This machine sets PYTHONDONTWRITEBYTECODE, so without this every run would compile them too.
    subprocess.run([sys.executable, "-m", "compileall", "-q", "functions"], cwd=ROOT, check=True)
    baseline = _fresh("import boto3\nfor s in ('s3', 'sqs', 'sesv2'): boto3.client(s)")
    api = _fresh(
        "import functions.api as m\nfrom functions.forms.bootstrap import services\ns = services()\n"
        "from functions.forms.adapters import aws\n[aws.client(n) for n in ('s3', 'sqs', 'sesv2')]"
    )
    worker_code = (
        "import functions.worker as m\nfrom functions.forms.bootstrap import services\ns = services()\n"
        "from functions.forms.adapters import aws\n[aws.client(n) for n in ('s3', 'sqs', 'sesv2')]"
    )
    worker = _fresh(worker_code)
    return {
        "baseline_ms": round(baseline * 1000, 1),
        "api_ms": round(api * 1000, 1),
        "worker_ms": round(worker * 1000, 1),
        "api_extra_ms": round((api - baseline) * 1000, 1),
        "worker_extra_ms": round((worker - baseline) * 1000, 1),
    }


def warm_requests(n: int = 1000) -> dict:
    """The family's wait, n times: parse, validate, store (local adapter: a new file, fsync'd, linked, its folder
    fsync'd) and queue; each step's own p50 and p99, so that the figures explain themselves (the store is bound by
    the disk's fsync, the rest by the CPU). Apart from it, the worker's part: building the team's email down to the
    bytes the mailer sends (on AWS the worker does this after the family has their reference)."""
    from functions.forms.application.submit import submit
    from functions.forms.bootstrap import local_services
    from functions.forms.config import from_env
    from functions.forms.domain.message import build_message
    from functions.forms.domain.schemas import get_form
    from functions.forms.web.parse import parse_json
    from tests.unit.factories import referral

    with tempfile.TemporaryDirectory() as tmp:
        services = local_services(from_env({"VAR_DIR": tmp}))
        form = get_form("referral")
        bodies = [json.dumps(referral()).encode() for _ in range(n)]
        quiet = _no_queue(services)
        first = submit(
            "referral", parse_json(form, json.dumps(referral()).encode()), quiet
        )  # compile the validator
        build_message(  # load the templates once, as a worker's first email does
            {
                "form": "referral",
                "reference": first.reference,
                "answers": first.answers,
                "received_at": "2026-11-28T10:00:00+00:00",
            },
            sender="a@example.org",
            to="b@example.org",
        ).as_bytes()
        storage = quiet.storage = _Timed(quiet.storage)
        steps: dict[str, list[float]] = {"total": [], "validate": [], "store": []}
        emails: list[float] = []
        records = []
        for body in bodies:
            storage.seconds = 0.0
            started = time.perf_counter()
            outcome = submit("referral", parse_json(form, body), quiet)
            done = time.perf_counter()
            assert outcome.reference
            # "validate": parsing the body, validating, the reference and the record: the request less its store
            for step, seconds in (
                ("total", done - started),
                ("validate", done - started - storage.seconds),
                ("store", storage.seconds),
            ):
                steps[step].append(seconds * 1000)
            records.append(
                {
                    "form": "referral",
                    "reference": outcome.reference,
                    "answers": outcome.answers,
                    "received_at": "2026-11-28T10:00:00+00:00",
                }
            )
        for record in records:
            started = time.perf_counter()
            build_message(record, sender="a@example.org", to="b@example.org").as_bytes()
            emails.append((time.perf_counter() - started) * 1000)
        disk = _disk_alone(Path(tmp) / "disk", 300)
    for samples in [*steps.values(), emails]:
        samples.sort()
    total = steps.pop("total")
    return {
        "requests": n,
        "p50_ms": round(total[n // 2], 3),
        "p99_ms": round(total[int(n * 0.99)], 3),
        "steps_p50_ms": {step: round(samples[n // 2], 3) for step, samples in steps.items()},
        "steps_p99_ms": {step: round(samples[int(n * 0.99)], 3) for step, samples in steps.items()},
        "worker_email_p50_ms": round(emails[n // 2], 3),
        "worker_email_p99_ms": round(emails[int(n * 0.99)], 3),
        "disk_alone_p50_ms": disk,
    }


def _disk_alone(folder: Path, n: int) -> float:
    """p50 of the disk's share of a store, measured in the same run: create and write a 1 KB file, fsync it,
    fsync its folder (no Python around it). This machine's disk drifts (0.35 to 1.2 ms within an hour)."""
    folder.mkdir()
    samples = []
    for i in range(n):
        started = time.perf_counter()
        fd = os.open(folder / f"{i}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, b"x" * 1024)
        os.fsync(fd)
        os.close(fd)
        directory = os.open(folder, os.O_RDONLY)
        os.fsync(directory)
        os.close(directory)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return round(samples[n // 2], 3)


class _Timed:
    """The storage, counting the time spent storing (put_new, and is_sent when a repeat asks it)."""

    def __init__(self, inner):
        self.inner = inner
        self.seconds = 0.0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def put_new(self, *args):
        started = time.perf_counter()
        try:
            return self.inner.put_new(*args)
        finally:
            self.seconds += time.perf_counter() - started

    def is_sent(self, *args):
        started = time.perf_counter()
        try:
            return self.inner.is_sent(*args)
        finally:
            self.seconds += time.perf_counter() - started


def _no_queue(services):
    """The same services with a queue that only records (the email is built in the loop instead)."""
    from dataclasses import replace

    class Recording:
        def enqueue(self, form: str, submission_id: str) -> None:
            pass

    return replace(services, queue=Recording())


def build_times(extra_pages: int = 500) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        full = build(Path(tmp) / "site", "http://127.0.0.1:8000/")
        docs = Path(tmp) / "docs"
        shutil.copytree(ROOT / "docs", docs)
        generated = docs / "generated"
        generated.mkdir()
        for i in range(extra_pages):
            (generated / f"page-{i}.md").write_text(
                f"---\ntitle: Generated page {i}\ndescription: Page {i} made by the benchmark.\n---\n"
                f"# Generated page {i}\n\n" + "Some words about mediation. " * 40 + "\n",
                encoding="utf-8",
            )
        config_text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
        (Path(tmp) / "mkdocs.yml").write_text(
            config_text.replace("not_in_nav: |", "not_in_nav: |\n  /generated/*.md")
        )
        # hooks/ and overrides/ are found relative to the config file
        for folder in ("hooks", "overrides", "data", "schemas", "functions"):
            os.symlink(ROOT / folder, Path(tmp) / folder)
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "mkdocs",
                "build",
                "-q",
                "-f",
                str(Path(tmp) / "mkdocs.yml"),
                "-d",
                str(Path(tmp) / "big"),
            ],
            cwd=tmp,
            env=env,
            check=True,
            capture_output=True,
        )
        big = time.perf_counter() - started
    pages = len(list((ROOT / "docs").rglob("*.md")))
    return {
        "pages": pages,
        "build_s": round(full, 2),
        "extra_pages": extra_pages,
        "build_with_extra_s": round(big, 2),
        "ms_per_page_small": round(full / max(pages, 1) * 1000, 1),
        "ms_per_page_large": round(big / (pages + extra_pages) * 1000, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-lighthouse", action="store_true", help="skip Lighthouse (it needs npm)")
    args = parser.parse_args()
    results: dict = {"budgets": BUDGETS, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    broken: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        from tests.conftest import free_port

        port = free_port()
        site = Path(tmp) / "site"
        url_guess = f"http://127.0.0.1:{port}/"
        os.environ["PORT"] = str(port)
        build(site, url_guess)
        url, httpd = start_server(site, Path(tmp) / "var")
        paths = page_paths(site)
        results["pages"] = page_weights(url, paths)
        for row in results["pages"]:
            limit = BUDGETS["form_page_gzip_kb" if row["kind"] == "form" else "text_page_gzip_kb"]
            if row["gzip_kb"] > limit:
                broken.append(f"{row['page']}: {row['gzip_kb']} KB gzipped > {limit} KB")
            if row["largest_image_kb"] > BUDGETS["content_image_kb"]:
                broken.append(f"{row['page']}: an image of {row['largest_image_kb']} KB")
            if row["not_kept_a_year"]:
                broken.append(
                    f"{row['page']}: not kept a year (immutable): {', '.join(row['not_kept_a_year'])}"
                )
            if row["repeat_fetched_again"]:
                broken.append(
                    f"{row['page']}: its repeat view fetched again {', '.join(row['repeat_fetched_again'])}"
                )
        if not args.no_lighthouse:
            chosen = [
                p
                for p in ["", "mediation/", "forms/referral/", "forms/child-views/", "work-out-your-dates/"]
                if p in paths
            ]
            results["lighthouse"] = lighthouse(url, chosen)
            for row in results["lighthouse"]:
                if "error" in row:
                    broken.append(f"Lighthouse could not run on {row['page']}: {row['error'][-200:]}")
                    continue
                for category in ("performance", "accessibility", "best-practices", "seo"):
                    least = BUDGETS[
                        "lighthouse_performance_min" if category == "performance" else "lighthouse_min"
                    ]
                    if row[category] < least:
                        broken.append(f"Lighthouse {category} {row[category]} < {least} on {row['page']}")
        httpd.shutdown()
    results["cold_start"] = cold_start()
    for key in ("api_extra_ms", "worker_extra_ms"):
        if results["cold_start"][key] > BUDGETS["cold_start_extra_ms"]:
            broken.append(
                f"cold start {key} {results['cold_start'][key]} ms > {BUDGETS['cold_start_extra_ms']} ms"
            )
    results["warm"] = warm_requests()
    if results["warm"]["p50_ms"] > BUDGETS["warm_p50_ms"]:
        broken.append(f"warm request p50 {results['warm']['p50_ms']} ms > {BUDGETS['warm_p50_ms']} ms")
    results["build"] = build_times()
    results["broken"] = broken
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    return 1 if broken else 0


def print_table(results: dict) -> None:
    print(f"{'':48} {'first view':^34} {'repeat view':^16}")
    print(
        f"{'page':42} {'kind':5} {'req':>4} {'raw KB':>8} {'gzip KB':>8} {'img KB':>7}   {'req':>4} {'KB sent':>8}"
    )
    for row in results["pages"]:
        print(
            f"{row['page']:42} {row['kind']:5} {row['requests']:>4} {row['raw_kb']:>8} {row['gzip_kb']:>8}"
            f" {row['images_kb']:>7}   {row['repeat_requests']:>4} {row['repeat_kb']:>8}"
        )
    for kind in ("text", "form"):
        rows = [r for r in results["pages"] if r["kind"] == kind]
        if rows:
            first = [r["gzip_kb"] for r in rows]
            repeat = [r["repeat_kb"] for r in rows]
            only_page = sum(1 for r in rows if r["repeat_requests"] == 1)
            print(
                f"{kind} pages ({len(rows)}): first view {min(first)}-{max(first)} KB gzipped (median "
                f"{statistics.median(first)}); repeat view {min(repeat)}-{max(repeat)} KB sent (median "
                f"{round(statistics.median(repeat), 1)}): the page alone on {only_page}, the others also files the "
                f"page before did not use (up to {max(r['repeat_new_files'] for r in rows)}), none fetched again"
                if not any(r["repeat_fetched_again"] for r in rows)
                else f"{kind} pages: some repeat views fetched files again (see below)"
            )
    for row in results.get("lighthouse", []):
        if "error" in row:
            print(f"Lighthouse {row['page']}: could not run")
            continue
        print(
            f"Lighthouse {row['page'] or '(home)':28} perf {row['performance']} a11y {row['accessibility']} "
            f"bp {row['best-practices']} seo {row['seo']}  LCP {row['lcp_ms']} ms CLS {row['cls']} TBT {row['tbt_ms']} ms"
        )
    c = results["cold_start"]
    print(
        f"Cold start: baseline (boto3 + 3 clients) {c['baseline_ms']} ms; api {c['api_ms']} ms (+{c['api_extra_ms']}); "
        f"worker {c['worker_ms']} ms (+{c['worker_extra_ms']})"
    )
    w = results["warm"]
    steps = ", ".join(
        f"{step} {w['steps_p50_ms'][step]} ms (p99 {w['steps_p99_ms'][step]})" for step in w["steps_p50_ms"]
    )
    print(
        f"The family's wait (parse, validate, store, queue) over {w['requests']}: p50 {w['p50_ms']} ms, p99 {w['p99_ms']} ms"
        f"\n  each step's p50: {steps}; store = new file + fsync, link, folder fsync (bound by the disk:"
        f" a bare 1 KB file + 2 fsyncs took {w['disk_alone_p50_ms']} ms in this run)"
        f"\nThe worker's email build (team email to bytes): p50 {w['worker_email_p50_ms']} ms,"
        f" p99 {w['worker_email_p99_ms']} ms"
    )
    b = results["build"]
    print(
        f"Build: {b['pages']} pages {b['build_s']} s ({b['ms_per_page_small']} ms/page); with {b['extra_pages']} more "
        f"{b['build_with_extra_s']} s ({b['ms_per_page_large']} ms/page)"
    )
    print(
        "Budgets: all kept"
        if not results["broken"]
        else "BUDGETS BROKEN:\n  " + "\n  ".join(results["broken"])
    )


if __name__ == "__main__":
    raise SystemExit(main())
