"""Readability: the Flesch-Kincaid grade of each page's words, with a limit by audience.

Flesch-Kincaid grade = 0.39 x (words per sentence) + 11.8 x (syllables per word) - 15.59, all counted here
in plain Python, with no dictionary to download and no other package:

- Words and sentences are counted as textstat 0.7.13 (the library this check first used) counts them, so the
  grades are the same as before. A word is what is left between spaces once punctuation is taken out
  (apostrophes stay in contractions: "don't" and "child's" are one word each; a dash alone is no word). A
  sentence runs to a full stop, question mark or exclamation mark; one of two words or fewer ("Contact us.")
  is not counted as a sentence, though its words are.
- Syllables are counted with a simple vowel-group rule (syllables() below). textstat's own counter needs
  Pyphen's hyphenation dictionary or NLTK's pronouncing dictionary, which NLTK downloads at run time, and a
  check must not depend on the network.

Each heading, list item, table cell and note title counts as a sentence of its own, as a reader sees it.
The FAQ page is measured with its questions and answers. Pages shorter than MIN_WORDS are not measured
(the figure means little for a few lines).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tools.content_check.model import FACT_MARKER, Finding, Page, Project

# The highest grade allowed, by the page's audience (front matter 'audience:'; docs/children/ is children).
# Chosen by measuring the pages when the check was written: family pages measured 2.4 to 8.0 (the
# accessibility statement is the hardest), the children's form pages 2.3 to 3.2. See CONTRIBUTING.md.
LIMITS = {"family": 9.0, "children": 5.0, "easy-read": 5.0}
MIN_WORDS = 60

LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\]]*\])*)\]\([^)]*\)")
TAG = re.compile(r"<[^>]*>")
ATTR_LIST = re.compile(r"\{\s*[.#:][^}]*\}")
BLOCK_START = re.compile(r"^\s*(?:#{1,6}\s|[-*+]\s|\d+[.)]\s|\||!!!|\?\?\?|<)")
URL = re.compile(r"https?://\S+|www\.\S+")
VOWELS = re.compile(r"[aeiouy]+")
# An apostrophe not followed by a contraction's ending ('t, 's, 'd, 've, 'll, 're) is a quotation mark.
QUOTE_APOSTROPHE = re.compile(r"'(?![tsd]|ve|ll|re)")
PUNCTUATION = re.compile(r"[^\w\s']")
SENTENCE = re.compile(r"\b[^.!?]+[.!?]*")


def words(text: str) -> list[str]:
    """The words of a text: what is left between spaces once punctuation (but not an apostrophe in a
    contraction) is taken out. Hyphenated words and contractions are one word each."""
    return PUNCTUATION.sub("", QUOTE_APOSTROPHE.sub("", text)).split()


def sentence_count(text: str) -> int:
    """The sentences of a text: each runs to a full stop, question mark or exclamation mark (or the end of
    the text). One of two words or fewer is not counted; a text with words has at least one sentence."""
    if not text:
        return 0
    return max(1, sum(1 for sentence in SENTENCE.findall(text) if len(words(sentence)) > 2))


def syllables(word: str) -> int:
    """An estimate of the syllables in one English word: its vowel groups, less a silent e, plus the
    vowel pairs that are two sounds (medi-a-tion, actu-al)."""
    word = re.sub(r"[^a-z]", "", word.lower())
    if len(word) <= 3:
        return 1
    if re.search(r"[^aeiouy]le$", word):
        base = word[:-2] + "l"  # table: ta-ble, counted below
        extra = 1
    else:
        base = re.sub(r"(?<=[^aeiouy])e$", "", word)
        base = re.sub(r"(?<=[^aeiouytd])ed$", "d", base)  # happened, but wanted, needed
        base = re.sub(r"(?<=[^aeiouysxzhcg])es$", "s", base)  # makes, but places, wishes
        extra = 0
    base = re.sub(r"^y", "", base)
    count = len(VOWELS.findall(base)) + extra
    count += len(re.findall(r"(?<![ct])ia|(?<![cst])io|ua|uo|[aeiou]ing$", base))
    return max(1, count)


def text_of(page: Page, facts: dict[str, object]) -> str:
    """The page's words as a reader meets them, one sentence per line."""
    blocks: list[str] = []
    current: list[str] = []
    for _, line in page.body_lines:
        line = FACT_MARKER.sub(lambda m: str(facts.get(m.group(1), "")), line)
        if not line.strip() or BLOCK_START.match(line):
            if current:
                blocks.append(" ".join(current))
            current = []
        if line.strip().startswith("|"):
            cells = [
                c
                for c in line.strip().strip("|").split("|")
                if c.strip() and not set(c.strip()) <= {"-", ":"}
            ]
            blocks.extend(cells)
            continue
        if line.strip():
            current.append(line)
    if current:
        blocks.append(" ".join(current))
    sentences = []
    for block in blocks:
        block = LINK.sub(lambda m: m.group(1), block)
        block = re.sub(r'^\s*(?:!!!|\?\?\?\+?)\s*[\w-]+\s*"?([^"]*)"?\s*$', r"\1", block)
        block = URL.sub(" ", ATTR_LIST.sub(" ", TAG.sub(" ", block)))
        block = re.sub(r"^\s*(?:#{1,6}|[-*+]|\d+[.)])\s+", "", block)
        block = re.sub(r"[*_]{1,3}", "", block)
        block = re.sub(r"\s+", " ", block).strip()
        if not re.search(r"[A-Za-z]", block):
            continue
        sentences.append(block if block[-1] in ".?!:" else block + ".")
    return "\n".join(sentences)


@dataclass(frozen=True)
class Score:
    page: Page
    words: int
    sentences: int
    grade: float
    limit: float


def score(page: Page, text: str) -> Score:
    word_count = len(words(text))
    sentences = max(1, sentence_count(text))
    limit = LIMITS.get(page.audience, LIMITS["family"])
    return Score(page, word_count, sentences, grade(text), limit)


def grade(text: str) -> float:
    """The Flesch-Kincaid grade of a text, to one decimal place (0.0 for a text without words)."""
    word_count = len(words(text))
    if not word_count:
        return 0.0
    sentences = max(1, sentence_count(text))
    syllable_count = sum(syllables(w) for w in re.findall(r"[A-Za-z][A-Za-z']*", text))
    return round(0.39 * word_count / sentences + 11.8 * syllable_count / word_count - 15.59, 1)


def scores(project: Project) -> list[Score]:
    facts = project.facts
    questions = [p for p in project.pages if p.is_faq_question]
    result = []
    for page in project.site_pages:
        text = text_of(page, facts)
        if page.src == "faq/index.md":
            for question in questions:
                text += f"\n{question.meta.get('question', '')}\n{text_of(question, facts)}"
        result.append(score(page, text))
    return result


def check(project: Project) -> Iterator[Finding]:
    for item in scores(project):
        if not item.page.is_english or item.words < MIN_WORDS or item.grade <= item.limit:
            continue
        yield Finding(
            item.page.rel,
            item.page.body_start,
            f"This page is hard to read for its audience ({item.page.audience}): its reading grade is "
            f"{item.grade}, and the limit is {item.limit}. Use shorter sentences (under 20 words) and "
            "shorter, everyday words. 'make readability' shows every page's grade.",
            "readability",
        )
