"""A request sent too fast, in Chromium (issue 19): the team gets it marked POSSIBLE SPAM, the family's confirmation
waits, and `python -m functions.team release` lists it as new and sends the family's copy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tests.browser.conftest import _assert_clean, _new_page
from tests.conftest import ROOT, LiveServer, free_port

pytestmark = pytest.mark.browser

FAMILY = "fay.fastfingers@example.com"


def emails(var_dir: Path) -> list:
    """The outbox's emails, oldest first (file names only go to the second)."""
    written = sorted((var_dir / "outbox").glob("*.eml"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in written]


@pytest.fixture
def strict_server(live_server: LiveServer, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The built site on a server of its own whose time trap holds anything sent within 60 seconds."""
    import devserver
    from functions.forms.bootstrap import local_services
    from functions.forms.config import from_env

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    var_dir = tmp_path / "var"
    config = from_env(
        {
            "PORT": str(port),
            "SITE_URL": url,
            "SITE_DIR": str(live_server.site_dir),
            "VAR_DIR": str(var_dir),
            "FORMS_MIN_SECONDS": "60",
        }
    )
    httpd = devserver.serve("127.0.0.1", port, live_server.site_dir, services=local_services(config))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield url, var_dir
    finally:
        httpd.shutdown()
        httpd.server_close()


def team_command(var_dir: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VAR_DIR": str(var_dir), "SITE_DIR": ""}
    env.pop("FORMS_BACKEND", None)
    return subprocess.run(
        [sys.executable, "-m", "functions.team", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_a_request_sent_too_fast_waits_for_release_then_the_family_gets_their_copy(
    browser, strict_server, watch
):
    url, var_dir = strict_server
    context, page = _new_page(browser, url, watch)
    try:
        page.goto(url + "forms/referral/")
        page.get_by_label("Mediation", exact=True).check()
        page.get_by_label("A parent or carer").check()
        page.get_by_label("Your full name").fill("Fay Fastfingers")
        page.get_by_label("Email address").fill(FAMILY)
        page.get_by_label("Send me an email to confirm my request").check()
        page.locator("[data-field='you.contact_preference']").get_by_label("Email", exact=True).check()
        page.get_by_label("Their full name").fill("Quick Tester")
        page.locator("#child-date_of_birth-day").fill("27")
        page.locator("#child-date_of_birth-month").fill("3")
        page.locator("#child-date_of_birth-year").fill("2015")
        page.get_by_label("Which local authority (council) is this about?").fill(
            "Exampleshire County Council"
        )
        page.get_by_label("What the final EHC plan says").check()
        page.locator("#decision-letter_date-day").fill("20")
        page.locator("#decision-letter_date-month").fill("10")
        page.locator("#decision-letter_date-year").fill("2026")
        page.get_by_label("What do you disagree about?").fill("The plan leaves out speech therapy.")
        page.locator("#consent-share_with_local_authority").check()
        page.get_by_label("I have read the privacy notice").check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("heading", name="Check your answers before sending").wait_for()
        page.get_by_role("button", name="Send my request").click()  # well within the 60 seconds
        page.wait_for_url(re.compile(r".*/forms/referral-sent/\?reference=.*"))
        reference = page.locator("[data-kids-fill='reference']").first.inner_text().strip()
    finally:
        context.close()
    _assert_clean(watch)

    # The family was told it was sent; the team got it, marked; the family's copy waits.
    (spam,) = emails(var_dir)
    assert spam["Subject"].startswith("POSSIBLE SPAM: ") and spam["Subject"].endswith(f" - {reference}")
    assert "Fay Fastfingers" in spam.get_body(("plain",)).get_content()
    listed = team_command(var_dir, "list", "--status", "held")
    assert listed.returncode == 0 and reference in listed.stdout, listed.stderr

    released = team_command(var_dir, "release", reference)
    assert released.returncode == 0, released.stderr
    assert "now listed as new" in released.stdout and "confirmation email has been sent" in released.stdout
    first, copy = emails(var_dir)
    assert first["Message-ID"] == spam["Message-ID"]
    assert copy["To"] == FAMILY
    assert reference in copy.get_body(("plain",)).get_content()
    assert "Fay" not in copy.get_body(("plain",)).get_content()  # the copy holds none of their answers
    listed = team_command(var_dir, "list", "--status", "new")
    assert reference in listed.stdout
