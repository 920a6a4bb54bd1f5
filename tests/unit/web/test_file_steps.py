"""The views form without JavaScript: files are added (and removed) one at a time, each post carrying one file at
most, with every answer kept; nothing reaches the team until the family chooses Send."""

from __future__ import annotations

import re

from functions.forms.domain import files
from functions.forms.web.app import handle
from tests.unit.application.test_uploads import event, multipart, png

FIELDS = [("views.hard", "Maths is hard"), ("about.age", "9"), ("website", "")]


def post(services, fields: list[tuple[str, str]], file_parts: list[tuple[str, str, bytes]]) -> dict:
    body, content_type = multipart(fields, file_parts)
    return handle(event("/api/child-views", body, content_type, accept="text/html"), services)


def ids_on(page: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="files" value="([0-9a-f-]{36})">', page)


def test_add_this_file_keeps_the_file_and_every_answer_and_sends_nothing(services, tmp_path):
    response = post(services, [*FIELDS, ("add_file", "1")], [("files", "Sunny's drawing.png", png())])
    assert response["statusCode"] == 200
    page = response["body"]
    assert "File 1 is added." in page and "Maths is hard" in page and 'value="9"' in page
    assert "<title>Error" not in page
    (upload_id,) = ids_on(page)
    assert files.is_upload_id(upload_id)
    assert (tmp_path / "var" / "uploads" / "files" / upload_id).exists()
    assert "Sunny" not in page  # the name the file had is not shown back or kept
    assert not list((tmp_path / "var").glob("submissions/*/*")) and not list(
        (tmp_path / "var").glob("outbox/*")
    )
    # The second file is added beside the first; Send then sends both.
    second = post(services, [*FIELDS, ("files", upload_id), ("add_file", "1")], [("files", "b.png", png())])
    assert ids_on(second["body"])[0] == upload_id and len(ids_on(second["body"])) == 2
    sent = post(
        services, [*FIELDS, *(("files", i) for i in ids_on(second["body"])), ("agree_to_send", "true")], []
    )
    assert sent["statusCode"] == 303, sent["body"]
    (eml,) = (tmp_path / "var" / "outbox").glob("*.eml")
    assert b"drawing-1.png" in eml.read_bytes() and b"drawing-2.png" in eml.read_bytes()


def test_remove_takes_that_file_off_and_keeps_the_others(services):
    first = ids_on(post(services, [*FIELDS, ("add_file", "1")], [("files", "a.png", png())])["body"])[0]
    second = ids_on(
        post(services, [("files", first), ("add_file", "1")], [("files", "b.png", png())])["body"]
    )
    response = post(services, [*FIELDS, *(("files", i) for i in second), ("remove_file", first)], [])
    assert response["statusCode"] == 200
    assert ids_on(response["body"]) == [second[1]]
    assert "File 1 is added." in response["body"] and "File 2 is added." not in response["body"]


def test_a_file_chosen_but_not_added_is_kept_when_remove_is_pressed(services):
    first = ids_on(post(services, [*FIELDS, ("add_file", "1")], [("files", "a.png", png())])["body"])[0]
    response = post(
        services, [*FIELDS, ("files", first), ("remove_file", first)], [("files", "b.png", png())]
    )
    assert response["statusCode"] == 200
    (kept,) = ids_on(response["body"])
    assert kept != first and "File 1 is added." in response["body"]


def test_add_this_file_with_no_file_or_a_wrong_one_says_what_to_do(services):
    response = post(services, [*FIELDS, ("add_file", "1")], [("files", "", b"")])
    assert response["statusCode"] == 400
    assert "Choose a drawing or recording, then select Add this file" in response["body"]
    assert "<title>Error" in response["body"] and "Maths is hard" in response["body"]
    response = post(services, [*FIELDS, ("add_file", "1")], [("files", "notes.png", b"just some text")])
    assert response["statusCode"] == 400
    assert "The selected file must be a JPG, PNG" in response["body"]
    assert ids_on(response["body"]) == []


def test_after_3_files_the_box_is_closed_and_a_fourth_is_refused(services):
    ids: list[str] = []
    for _ in range(3):
        page = post(services, [*(("files", i) for i in ids), ("add_file", "1")], [("files", "a.png", png())])[
            "body"
        ]
        ids = ids_on(page)
    assert len(ids) == 3
    assert "You have added 3 files. That is the most you can send." in page
    assert re.search(r'<input[^>]*type="file"[^>]*disabled', page)
    assert 'name="add_file"' not in page
    fourth = post(services, [*(("files", i) for i in ids), ("add_file", "1")], [("files", "a.png", png())])
    assert fourth["statusCode"] == 400 and "Choose up to 3 files" in fourth["body"]


def test_a_file_sent_with_a_problem_elsewhere_is_kept_for_the_next_try(services):
    response = post(services, FIELDS, [("files", "a.png", png())])  # no agreement ticked
    assert response["statusCode"] == 400
    assert "Tick the box" in response["body"]
    assert len(ids_on(response["body"])) == 1 and "File 1 is added." in response["body"]


def test_a_post_carries_one_file_at_most_and_a_post_too_big_keeps_every_answer(services):
    body, content_type = multipart(FIELDS, [("files", "a.png", png() + bytes(3 * 2**20))] * 2)
    response = handle(event("/api/child-views", body, content_type, accept="text/html"), services)
    assert response["statusCode"] == 413
    page = response["body"]
    assert "Each file must be 4 MB or smaller" in page and "<title>Error" in page
    assert "Maths is hard" in page and 'value="9"' in page  # the answers, in the form again
    assert not ids_on(page)  # no file was kept from a post that was too big


def test_a_file_over_the_limit_without_javascript_shows_the_form_again_with_files_added_before(services):
    first = post(services, [*FIELDS, ("add_file", "1")], [("files", "a.png", png())])
    (kept,) = ids_on(first["body"])
    big = [("files", "b.png", png() + bytes(files.MAX_FORM_FILE_BYTES + 300 * 1024))]  # a 4.3 MB photo
    response = post(services, [*FIELDS, ("files", kept)], big)
    assert response["statusCode"] == 413
    assert response["headers"]["Content-Type"].startswith("text/html")
    assert "Each file must be 4 MB or smaller" in response["body"]
    assert ids_on(response["body"]) == [kept] and "Maths is hard" in response["body"]


def test_the_page_script_takes_its_numbers_from_the_schema_and_the_facts():
    from functions.forms.domain.facts import facts
    from functions.forms.domain.schemas import get_form
    from functions.forms.web.render import render_form

    form = get_form("child-views")
    html = render_form(form)
    assert f'data-kids-young-from="{facts()["young_person_age"]}"' in html
    assert f'data-kids-max-files="{form.by_path()["files"].schema["maxItems"]}"' in html
