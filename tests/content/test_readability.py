"""The readability formula (tools/content_check/readability.py) on short texts, against grades worked out by
hand: Flesch-Kincaid grade = 0.39 x words per sentence + 11.8 x syllables per word - 15.59."""

from __future__ import annotations

import pytest

from tools.content_check import readability


def test_one_syllable_words_in_two_sentences() -> None:
    text = "The cat sat on the mat. We will help you."
    # 10 words, 2 sentences, 10 syllables: 0.39 x 10/2 + 11.8 x 10/10 - 15.59 = 1.95 + 11.8 - 15.59 = -1.84
    assert len(readability.words(text)) == 10
    assert readability.sentence_count(text) == 2
    assert readability.grade(text) == -1.8


def test_longer_words() -> None:
    text = "Mediation is a meeting with an independent person. It can help you and the council agree."
    # 16 words, 2 sentences. Syllables: me-di-a-tion 4, is 1, a 1, meet-ing 2, with 1, an 1, in-de-pen-dent 4,
    # per-son 2 (16); it, can, help, you, and, the 1 each, coun-cil 2, a-gree 2 (10): 26 in all.
    # 0.39 x 16/2 + 11.8 x 26/16 - 15.59 = 3.12 + 19.175 - 15.59 = 6.705
    assert [readability.syllables(w) for w in readability.words(text)] == [
        *[4, 1, 1, 2, 1, 1, 4, 2],
        *[1, 1, 1, 1, 1, 1, 2, 2],
    ]
    assert readability.sentence_count(text) == 2
    assert readability.grade(text) == 6.7


def test_a_sentence_of_two_words_or_fewer_is_not_counted() -> None:
    text = "Call us. We are open on weekdays."
    # 7 words; "Call us." is too short to count as a sentence, so 1 sentence. Syllables: call, us, we, are 1
    # each, o-pen 2, on 1, week-days 2: 9. 0.39 x 7/1 + 11.8 x 9/7 - 15.59 = 2.73 + 15.171 - 15.59 = 2.311
    assert len(readability.words(text)) == 7
    assert readability.sentence_count(text) == 1
    assert readability.grade(text) == 2.3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # contractions and possessives are one word; a dash between spaces is none
        ("Don't stop – it's the child's day.", ["Don't", "stop", "it's", "the", "child's", "day"]),
        # quotation marks go, hyphenated words stay whole
        ("'Yes', said the year-10 pupil.", ["Yes", "said", "the", "year10", "pupil"]),
    ],
)
def test_words(text: str, expected: list[str]) -> None:
    assert readability.words(text) == expected


def test_no_words_no_grade() -> None:
    assert readability.grade("") == 0.0
    assert readability.grade(" – ") == 0.0
    assert readability.sentence_count("") == 0
