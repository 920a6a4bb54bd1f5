"""The team's email: safe headers, both parts, every answer labelled in form order, dates flagged."""

from __future__ import annotations

from email import message_from_bytes, policy

from functions.forms.message import build_message
from tests.unit.factories import referral


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
