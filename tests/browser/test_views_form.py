"""The children's and young people's views form in Chromium: a child's path with JavaScript and without, each with
a drawing; the young person's words; errors without JavaScript; axe finds nothing on any of it."""

from __future__ import annotations

import io
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from PIL import Image

from tests.browser.axe import describe, run_axe

pytestmark = pytest.mark.browser


def drawing(tmp_path: Path, name: str = "my drawing.png") -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 120)).save(buffer, "PNG")
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


def email_for(outbox: Path, reference: str):
    for path in sorted(outbox.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if reference in str(message["Subject"]):
            return message
    raise AssertionError(f"no email for {reference}")


def no_axe_violations(page) -> None:
    violations = run_axe(page)
    assert not violations, describe(violations)


def no_axe_violations_without_script(nojs_page, page, name: str) -> None:
    """axe needs script, so the page as a browser without JavaScript got it is shown, scripts removed, in another."""
    html = re.sub(r"<script\b.*?</script>", "", nojs_page.content(), flags=re.S)
    address = nojs_page.url.split("#")[0].split("?")[0].rstrip("/") + f"-{name}-copy/"
    page.route(
        address, lambda route: route.fulfill(status=200, body=html, content_type="text/html; charset=utf-8")
    )
    page.goto(address)
    no_axe_violations(page)


def press(page, name: str) -> None:
    """Press a button that sends the form, and wait for the page that comes back (the address can stay the same)."""
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def reference_on(page) -> str:
    text = page.locator('[data-kids-fill="reference"]').inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{8}", text), text
    return text


def test_a_child_sends_views_and_a_drawing_one_question_at_a_time(page, live_server, tmp_path):
    page.goto(live_server.url + "forms/child-views/")
    count = page.locator(".kids-steps__count")
    assert re.fullmatch(r"Question 1 of \d+", count.inner_text())
    total = int(count.inner_text().rsplit(" ", 1)[1])
    no_axe_violations(page)
    page.get_by_label("What do you like to be called?").fill("Sunny")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("How old are you?").fill("8")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Me, with some help").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("What is going well for you?").fill("I like art.\nMy friend Jo sits with me.")
    while not page.locator('[data-field="share_with"]').is_visible():
        page.get_by_role("button", name="Next").click()
    page.get_by_label("Only the mediator").check()
    page.get_by_role("button", name="Next").click()
    page.locator("#files").set_input_files(str(drawing(tmp_path)))
    page.get_by_text("my drawing.png is added").wait_for()
    no_axe_violations(page)
    seen = []
    while not page.locator('[data-field="agree_to_send"]').is_visible():
        page.get_by_role("button", name="Next").click()
        seen.append(page.locator("[data-field]:visible").first.get_attribute("data-field"))
    # The address for a copy email is asked only when the box for one is ticked.
    assert "send_me_a_copy" in seen and "copy_email" not in seen
    assert count.inner_text() == f"Question {total} of {total}"
    page.get_by_label("I am happy for you to send this to the mediator").check()
    page.get_by_role("button", name="Send my views").click()
    page.wait_for_url(re.compile(r"/forms/child-views-sent/\?reference="))
    reference = reference_on(page)
    assert page.get_by_text("Thank you for telling us what you think. It helps a lot.").is_visible()
    assert not page.get_by_text("Thank you for sharing your views").is_visible()
    no_axe_violations(page)

    message = email_for(live_server.outbox, reference)
    assert message["Subject"] == f"MEDIATOR ONLY: Child's views - {reference}"  # only the mediator may see it
    text = message.get_body(("plain",)).get_content()
    assert text.index("MEDIATOR ONLY") < text.index("ABOUT YOU")
    assert "Age: 8" in text and "Filled in by: Me, with some help" in text
    assert "I like art.\r\n    My friend Jo sits with me." in text
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["drawing-1.png"]
    assert attachments[0].get_content().startswith(b"\x89PNG")
    # The name the child's file was sent with is said, cleaned, in the text (issue 18 point 7); never its file name.
    assert 'drawing-1.png, sent as "my drawing.png" (PNG drawing, ' in text


def test_the_address_for_a_copy_email_is_asked_once_the_box_is_ticked(page, live_server):
    page.goto(live_server.url + "forms/child-views/")
    box = page.locator('[data-field="send_me_a_copy"]')
    while not box.is_visible():
        page.get_by_role("button", name="Next").click()
    box.locator("input").check()
    page.get_by_role("button", name="Next").click()
    assert page.locator('[data-field="copy_email"]').is_visible()
    page.get_by_role("button", name="Back", exact=True).click()
    box.locator("input").uncheck()
    page.get_by_role("button", name="Next").click()
    assert page.locator('[data-field="agree_to_send"]').is_visible()
    page.get_by_role("button", name="Back", exact=True).click()
    assert box.is_visible()


def test_by_keyboard_the_question_stays_in_sight_next_comes_first_and_a_chosen_answer_keeps_focus(
    page, live_server
):
    page.set_viewport_size({"width": 320, "height": 560})
    page.goto(live_server.url + "forms/child-views/")
    next_button = page.get_by_role("button", name="Next")
    buttons = page.locator(".kids-steps button")
    assert buttons.nth(0).inner_text() == "Next" and buttons.nth(1).inner_text() == "Back"
    header_bottom = page.evaluate("() => document.querySelector('.md-header').getBoundingClientRect().bottom")
    for _ in range(6):
        next_button.click()
        question = page.locator("[data-field]:visible").first.locator("label, legend").first
        top = question.evaluate("e => e.getBoundingClientRect().top")
        assert header_bottom <= top < 560, (
            top,
            header_bottom,
        )  # the question is on screen, not under the header
    # A radio question answered, then come back to: the chosen answer has the focus (Space would not change it).
    page.goto(live_server.url + "forms/child-views/")
    while not page.locator('[data-field="about.filled_in_by"]').is_visible():
        next_button.click()
    page.get_by_label("Me, with some help").check()
    next_button.click()
    page.get_by_role("button", name="Back", exact=True).click()
    assert page.evaluate("() => document.activeElement.value") == "me_with_help"


def test_without_javascript_a_page_with_errors_opens_on_the_error_box(nojs_page, live_server):
    nojs_page.goto(live_server.url + "forms/child-views/")
    with nojs_page.expect_navigation():
        nojs_page.get_by_role("button", name="Send my views").click()
    assert nojs_page.title().startswith("Error: ")
    assert nojs_page.evaluate("() => document.activeElement.hasAttribute('data-kids-error-summary')")


def test_a_young_person_gets_young_persons_words(page, live_server):
    page.goto(live_server.url + "forms/child-views/")
    assert page.get_by_text("Soon there will be a meeting about you").is_visible()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("How old are you?").fill("17")
    assert page.get_by_text("Write a number, like 17.").is_visible()
    assert page.get_by_text("If you are 16 to 25").is_visible()
    assert not page.get_by_text("Soon there will be a meeting about you").is_visible()
    page.get_by_role("button", name="Back", exact=True).click()
    assert page.get_by_label("What would you like us to call you?").is_visible()
    no_axe_violations(page)


def test_without_javascript_a_child_adds_drawings_one_at_a_time_and_sends_views_in_one_page(
    nojs_page, page, live_server, tmp_path, watch
):
    checker, page = page, nojs_page
    page.goto(live_server.url + "forms/child-views/")
    assert page.locator('[data-field="agree_to_send"]').is_visible()
    assert page.locator('[data-field="about.name"]').is_visible()
    assert page.locator("#files").get_attribute("multiple") is None  # one file a post: it must fit on AWS
    no_axe_violations_without_script(page, checker, "step1")
    page.get_by_label("What is hard for you?").fill("Lunch is too loud.")
    page.get_by_label("How old are you?").fill("9")
    page.get_by_label("Everyone at the meeting").check()
    # "Add this file" with no file chosen says what to do.
    press(page, "Add this file")
    assert page.title().startswith("Error: ")
    assert page.get_by_role(
        "link", name="Choose a drawing or recording, then select Add this file"
    ).is_visible()
    # A first drawing, added on its own: the page comes back at the files question, answers kept.
    page.locator("#files").set_input_files(str(drawing(tmp_path, "first picture.png")))
    press(page, "Add this file")
    assert page.url.endswith("#files-label") and not page.title().startswith("Error: ")
    assert page.get_by_text("File 1 is added.").is_visible()
    assert page.get_by_label("What is hard for you?").input_value() == "Lunch is too loud."
    no_axe_violations_without_script(page, checker, "added")
    # A second one goes with Send; the agreement is missing, and the file is kept all the same.
    page.locator("#files").set_input_files(str(drawing(tmp_path, "second picture.png")))
    press(page, "Send my views")
    assert page.title().startswith("Error: ")
    assert page.get_by_role("link", name="Tick the box to say you are happy to send this").is_visible()
    assert page.get_by_text("File 2 is added.").is_visible()
    no_axe_violations_without_script(page, checker, "step2")
    # The first one was a mistake: remove it.
    press(page, "Remove file 1")
    assert (
        page.get_by_text("File 1 is added.").is_visible()
        and page.get_by_text("File 2 is added.").count() == 0
    )
    assert page.get_by_label("How old are you?").input_value() == "9"
    page.get_by_label("I am happy for you to send this to the mediator").check()
    # Enter in a text box sends the form (as Send would), not the first button on the page ("Remove file 1").
    with page.expect_navigation():
        page.get_by_label("How old are you?").press("Enter")
    page.wait_for_url(re.compile(r"/forms/child-views-sent/\?reference="))
    reference = reference_on(page)
    no_axe_violations_without_script(page, checker, "step3")
    message = email_for(live_server.outbox, reference)
    text = message.get_body(("plain",)).get_content()
    assert "MEDIATOR ONLY" not in text and "Who they want to see it: Everyone at the meeting" in text
    assert "Lunch is too loud." in text
    assert [a.get_filename() for a in message.iter_attachments()] == ["drawing-1.png"]
    assert "picture" not in message.as_string()
    # The browser reports the error pages' 400s itself as console errors: expected here.
    watch.console_errors = [e for e in watch.console_errors if "status of 400" not in e]


def test_the_paper_version_has_the_same_questions_and_passes_axe(page, live_server):
    page.goto(live_server.url + "forms/child-views-print/")
    assert page.get_by_label("What is going well for you?").is_visible()
    # For a pen: nothing to tab into, type in or send (the boxes are disabled, and there is no form to post).
    assert page.get_by_label("What is going well for you?").is_disabled()
    assert page.locator(".kids-paper form").count() == 0
    assert not page.get_by_role("button", name="Send my views").is_visible()
    no_axe_violations(page)
