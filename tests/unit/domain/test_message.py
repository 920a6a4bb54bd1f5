"""The team's email: safe headers, both parts, every answer labelled in form order, dates flagged."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from functions.forms.domain import message as message_module
from functions.forms.domain.message import build_message
from tests.unit.factories import TEAM_EMAIL_HEADERS, referral


def record(answers, received="2026-11-28T10:00:00+00:00"):
    return {
        "form": "referral",
        "submission_id": answers["submission_id"],
        "reference": "ABCD2345",
        "received_at": received,
        "answers": answers,
    }


def build(answers, **kwargs):
    message = build_message(
        record(answers, **kwargs), sender="Forms <forms@example.org>", to="team@example.org"
    )
    return message_from_bytes(message.as_bytes(), policy=policy.default)


def parts(parsed):
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    return text, html


def test_subject_holds_the_service_and_reference_only():
    parsed = build(referral())
    assert parsed["Subject"] == "Referral: Mediation - ABCD2345"
    assert "Zo" not in parsed["Subject"] and "Testy" not in parsed["Subject"]


def test_reply_to_is_the_familys_email_and_from_is_the_configured_sender():
    parsed = build(referral())
    assert parsed["Reply-To"] == "testy.mctestface@example.com"
    assert parsed["From"] == "Forms <forms@example.org>"
    assert "Reply-To" not in build(referral(you__email=...))


def test_a_line_break_in_any_answer_never_reaches_a_header():
    answers = referral(
        you__email="testy@example.com\r\nBcc: victim@example.net", you__name="Evil\r\nBcc: x@example.net"
    )
    raw = build_message(record(answers), sender="forms@example.org", to="team@example.org").as_bytes()
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert b"Bcc" not in headers and b"victim" not in headers


def test_names_with_accents_survive_intact_in_both_parts():
    text, html = parts(build(referral()))
    assert "Zoë Ó Súilleabháin-Łukasz" in text
    assert "Zoë Ó Súilleabháin-Łukasz" in html


def test_the_html_part_is_escaped():
    _, html = parts(build(referral(disagreement="<script>alert(1)</script> & <b>bold</b>")))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html


def test_every_answer_is_labelled_in_form_order():
    text, _ = parts(build(referral()))
    labels = [
        "What would you like help with?",
        "Who are you?",
        "Your full name",
        "Email address",
        "Their full name",
        "Their date of birth",
        "Which local authority (council) is this about?",
        "Date on the decision letter",
        "What do you disagree about?",
        "How would you like to meet?",
    ]
    positions = [text.upper().index(label.upper()) for label in labels]
    assert positions == sorted(positions)
    assert "Friday 27 March 2015" in text
    assert "Online, for example on Zoom or Teams" in text
    assert "Leave this box empty" not in text


def test_the_2_month_date_is_given_and_flagged_when_close():
    text, _ = parts(build(referral(decision__letter_date="2026-08-20")))
    assert "URGENT" in text and "Tuesday 20 October 2026" in text
    calm = build(referral(decision__letter_date="2026-11-20"))
    text, _ = parts(calm)
    assert "URGENT" not in text and "Wednesday 20 January 2027" in text
    assert calm["Importance"] is None


def test_urgent_within_14_days():
    parsed = build(referral(decision__letter_date="2026-10-05"))
    text, _ = parts(parsed)
    assert "URGENT" in text and parsed["Importance"] == "high"
    assert "in 7 days" in text


# The message is built with the standard library's EmailMessage API (the SMTP policy's header registry encodes,
# folds and refuses line breaks); these pin what readers get: headers, both parts, non-ASCII text, attachments.

HEADERS = {"Subject", "From", "To", "Reply-To", "Date", "Message-ID", "MIME-Version", "Content-Type"}


def header_lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


@pytest.mark.parametrize(
    "subject",
    [
        "Referral: Mediation - ABCD2345",
        "Referral: A Tribunal certificate (or disagreement resolution) for a very long reason - ABCD2345",
        "Twoja prośba do KIDS SEND Mediation - ABCD2345",
        "طلبك إلى KIDS SEND Mediation - ABCD2345",
        "=?utf-8?q?looks_encoded?= - ABCD2345",
        "two  spaces and a trailing one ",
    ],
)
def test_a_subject_in_any_script_and_length_reads_back_the_same(monkeypatch, subject):
    monkeypatch.setattr(message_module, "subject_for", lambda form, answers, reference: subject)
    raw = build_message(record(referral()), sender="forms@example.org", to="team@example.org").as_bytes()
    assert all(line.isascii() and len(line) <= 78 for line in header_lines(raw))  # encoded and folded
    expected = EmailMessage(policy=SMTP)
    expected["Subject"] = subject  # as the header registry reads it (an encoded word in it is decoded)
    assert message_from_bytes(raw, policy=policy.default)["Subject"] == str(expected["Subject"])


@pytest.mark.parametrize(
    "address", ["testy.mctestface@example.com", "o'brien+tag@sub.example.co.uk", '"quoted local"@example.com']
)
def test_the_familys_address_is_the_reply_to_as_they_typed_it(address):
    parsed = build(referral(you__email=address))
    assert [a.addr_spec for a in parsed["Reply-To"].addresses] == [address]


@pytest.mark.parametrize(
    "address",
    [
        "two@addresses.example, three@example.org",
        "Named Person <named@example.org>",
        "no-domain@",
        "x@example.org\nBcc: victim@example.net",
    ],
)
def test_an_answer_that_is_not_one_plain_address_is_no_reply_to(address):
    parsed = build(referral(you__email=address))
    assert parsed["Reply-To"] is None


@pytest.mark.parametrize(
    "value",
    [
        "Forms <forms@example.org>",
        "Zespół Formularzy <forms@example.org>",
        "SEND Mediation team <team@send-mediation.localhost>",
        '"Team, SEND" <team@example.org>',
        ", ".join(f"person{i}@example.org" for i in range(8)),
    ],
)
def test_a_configured_address_reads_back_the_same(value):
    raw = build_message(record(referral()), sender=value, to=value).as_bytes()
    assert all(line.isascii() and len(line) <= 78 for line in header_lines(raw))
    parsed = message_from_bytes(raw, policy=policy.default)
    expected = EmailMessage(policy=SMTP)
    expected["From"] = value
    assert str(parsed["From"]) == str(parsed["To"]) == str(expected["From"])


def test_a_line_break_in_a_configured_address_is_refused():
    with pytest.raises(ValueError):
        build_message(
            record(referral()), sender="forms@example.org\r\nBcc: x@example.net", to="t@example.org"
        )


def test_non_ascii_sender_and_team_names_read_back_intact():
    message = build_message(
        record(referral()), sender="Zespół Formularzy <forms@example.org>", to="فريق <team@example.org>"
    )
    raw = message.as_bytes()
    assert raw.split(b"\r\n\r\n", 1)[0].isascii()  # names in headers are RFC 2047 encoded words
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["From"] == "Zespół Formularzy <forms@example.org>"
    assert parsed["To"] == "فريق <team@example.org>"
    assert parsed["From"].addresses[0].display_name == "Zespół Formularzy"


def test_a_line_break_in_any_answer_stays_in_the_body():
    evil = "x\r\nBcc: victim@example.net\r\n\r\nInjected body"
    answers = referral(
        you__name=evil,
        you__email=evil,
        you__best_time_to_call=evil,
        child__name=evil,
        local_authority=evil,
        disagreement=evil,
        needs__interpreter_language=evil,
        needs__access_needs=evil,
    )
    raw = build_message(record(answers), sender="forms@example.org", to="team@example.org").as_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert set(parsed.keys()) == HEADERS - {"Reply-To"}
    assert parsed["Bcc"] is None and b"victim" not in raw.split(b"\r\n\r\n", 1)[0]
    text, html = parts(parsed)
    assert "Bcc: victim@example.net" in text  # shown to the team as the answer it was, indented
    assert "Bcc: victim@example.net" in html


def test_the_headers_and_parts_are_those_the_team_always_had():
    parsed = build(referral(decision__letter_date="2026-10-05"))
    assert list(parsed.keys()) == TEAM_EMAIL_HEADERS
    assert parsed["Date"] == "Sat, 28 Nov 2026 10:00:00 +0000"
    assert parsed["Message-ID"].strip().endswith(".ABCD2345@send-mediation.local>")
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parsed.iter_parts())


LONG_ARABIC = "نحن نختلف حول ما تقوله الخطة في القسم و، ولا تذكر علاج النطق. " * 12
URDU = "ہم سیکشن ایف کے بارے میں متفق نہیں ہیں۔"


@pytest.mark.parametrize(
    "changes",
    [
        {"child__name": "Zoë Ó Súilleabháin-Łukasz"},
        {"child__name": "محمد علي", "disagreement": LONG_ARABIC},
        {"you__name": "Łucja Wiśniewska-Żółć", "disagreement": f"{URDU}\n{URDU}\n" * 8},
        {
            "disagreement": "A line far longer than seventy-eight characters, with = signs and trailing space "
            * 5
        },
        {"disagreement": "Windows\r\nline\rbreaks\n\nand a blank line"},
    ],
)
def test_text_in_any_script_and_length_reads_back_the_same_in_both_parts(changes):
    answers = referral(**changes)
    built = build_message(record(answers), sender="forms@example.org", to="team@example.org")
    text, html = parts(message_from_bytes(built.as_bytes(), policy=policy.default))
    for value in changes.values():
        lines = [line.strip() for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line]
        for line in lines:
            assert line in text
            assert line in html.replace("&lt;", "<")
    # The built message reads the same before it is written out.
    assert built.get_body(("plain",)).get_content().replace("\r\n", "\n") == text.replace("\r\n", "\n")


def test_attachments_keep_their_names_and_bytes_beside_both_parts():
    drawing = bytes(range(256)) * 20
    built = build_message(
        record(referral()),
        sender="forms@example.org",
        to="team@example.org",
        attachments=[
            ("rysunek łódź.png", "image/png", drawing),
            ("voice.webm", "audio/webm", b"\x1aE\xdf\xa3"),
        ],
        extra_lines=["Files: 2"],
    )
    parsed = message_from_bytes(built.as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/mixed"
    files = list(parsed.iter_attachments())
    assert [(f.get_filename(), f.get_content_type()) for f in files] == [
        ("rysunek łódź.png", "image/png"),
        ("voice.webm", "audio/webm"),
    ]
    assert files[0].get_content() == drawing
    text, html = parts(parsed)
    assert "Files: 2" in text and "Zoë Ó Súilleabháin-Łukasz" in html


# Subjects that sort the team's mailbox (issue 19): URGENT and LATE from the contact deadline as of the day the
# email is built (the day it was received, for the first email), MEDIATOR ONLY from the child's choice.


@pytest.mark.parametrize(
    ("letter_date", "subject"),
    [
        ("2026-10-05", "URGENT (contact deadline in 7 days): Referral: Mediation - ABCD2345"),
        ("2026-10-12", "URGENT (contact deadline in 14 days): Referral: Mediation - ABCD2345"),
        ("2026-10-13", "Referral: Mediation - ABCD2345"),
        ("2026-09-29", "URGENT (contact deadline in 1 day): Referral: Mediation - ABCD2345"),
        ("2026-09-28", "URGENT (contact deadline today): Referral: Mediation - ABCD2345"),
        ("2026-09-27", "LATE (contact deadline passed 1 day ago): Referral: Mediation - ABCD2345"),
        ("2026-09-20", "LATE (contact deadline passed 8 days ago): Referral: Mediation - ABCD2345"),
    ],
)
def test_the_subject_says_urgent_or_late_and_by_how_many_days(letter_date, subject):
    answers = referral(decision__letter_date=letter_date)  # received Saturday 28 November 2026
    message = build_message(record(answers), sender="forms@example.org", to="team@example.org")
    assert message["Subject"] == subject
    # A subject of 70 to 77 characters is folded whole onto the next line (CPython's rule for a value that fits on
    # a line of its own); Python's parser then keeps the folding space, which mail programs drop.
    assert build(answers)["Subject"].lstrip() == subject
    assert "Zo" not in subject and "Testy" not in subject


def test_urgency_is_as_of_the_day_the_email_is_built():
    import datetime as dt  # (this file's imports are above: these tests are appended)

    answers = referral(decision__letter_date="2026-10-20")  # contact by Sunday 20 December 2026
    first = build_message(record(answers), sender="forms@example.org", to="team@example.org")
    assert first["Subject"] == "Referral: Mediation - ABCD2345"  # received 28 November: 22 days left
    again = build_message(
        record(answers), sender="forms@example.org", to="team@example.org", today=dt.date(2026, 12, 22)
    )
    assert again["Subject"] == "LATE (contact deadline passed 2 days ago): Referral: Mediation - ABCD2345"


def test_a_suspected_spam_keeps_possible_spam_first():
    spam = {**record(referral(decision__letter_date="2026-10-05")), "suspected_spam": True}
    message = build_message(spam, sender="forms@example.org", to="team@example.org")
    assert (
        message["Subject"]
        == "POSSIBLE SPAM: URGENT (contact deadline in 7 days): Referral: Mediation - ABCD2345"
    )


def views_record(share_with):
    answers = {
        "submission_id": "00000000-0000-4000-8000-000000000002",
        "about": {"name": "Sunny Testchild", "age": 9, "filled_in_by": "me"},
        "views": {"hard": "Noisy lunch"},
        "share_with": share_with,
        "agree_to_send": True,
    }
    return {**record(answers), "form": "child-views"}


def test_a_childs_views_for_the_mediator_only_say_so_in_the_subject_and_the_body():
    message = build_message(views_record("mediator_only"), sender="forms@example.org", to="team@example.org")
    assert message["Subject"] == "MEDIATOR ONLY: Child's views - ABCD2345"
    text = message.get_body(("plain",)).get_content()
    assert "IMPORTANT: MEDIATOR ONLY: they chose that only the mediator sees this." in text
    everyone = build_message(
        views_record("everyone_at_the_meeting"), sender="forms@example.org", to="team@example.org"
    )
    assert everyone["Subject"] == "Child's views - ABCD2345"
    assert "MEDIATOR ONLY" not in everyone.get_body(("plain",)).get_content()
    assert "Sunny" not in message["Subject"]


# What happens next depends on the service asked for (issue 18 point 6) ---------------------------------------------


def family_copy_text(service, lang="en"):
    from functions.forms.domain.message import build_family_copy

    answers = referral(service=service, you__send_me_a_copy=True)
    copy = build_family_copy(
        {**record(answers), "lang": lang}, sender="Forms <forms@example.org>", reply_to="team@example.org"
    )
    assert copy is not None
    parsed = message_from_bytes(copy.as_bytes(), policy=policy.default)
    return parts(parsed)


@pytest.mark.parametrize("service", ["mias", "mediation"])
def test_the_familys_copy_for_a_mias_or_mediation_tells_of_the_call_the_meeting_and_the_certificate(service):
    text, html = family_copy_text(service)
    for said in (text, html):
        assert "information and advice call (MIAS)" in said
        assert "within about 4 weeks" in said
        assert "we send your certificate within 3 working days" in said
        assert "disagreement resolution" not in said.lower()


def test_the_familys_copy_for_a_certificate_only_tells_of_the_certificate_and_the_appeal_not_the_meeting():
    text, html = family_copy_text("certificate")
    for said in (text, html):
        assert "You do not have to go to mediation" in said
        assert "we send your certificate within 3 working days" in said
        assert "appeal to the Tribunal" in said
        assert "4 weeks" not in said and "disagreement resolution" not in said.lower()


def test_the_familys_copy_for_disagreement_resolution_tells_of_asking_the_other_side_not_mias_or_certificates():
    text, html = family_copy_text("disagreement_resolution")
    for said in (text, html):
        assert "we first ask the other side if they will take part" in said
        assert "MIAS" not in said and "certificate" not in said.lower()


@pytest.mark.parametrize("lang", ["pl", "ur", "ar"])
def test_each_services_steps_are_in_every_language(lang):
    texts = {service: family_copy_text(service, lang)[0] for service in ("mediation", "certificate")}
    texts["dr"] = family_copy_text("disagreement_resolution", lang)[0]
    english = family_copy_text("disagreement_resolution")[0]
    assert len(set(texts.values())) == 3
    assert "voluntary" not in texts["dr"] and texts["dr"] != english
    assert "MIAS" not in texts["dr"] and "MIAS" in texts["certificate"]
