"""What the offline generator knows about a lecture: its sections, key sentences and key terms."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from tubenotes.errors import EmptyTranscriptError
from tubenotes.generate import textrank
from tubenotes.generate.keyterms import KeyTerm, TermIndex
from tubenotes.generate.sections import Section, split_sections
from tubenotes.generate.sentences import Sentence, split_sentences
from tubenotes.generate.slides import prefer_slide_terms, slide_chapters
from tubenotes.generate.stopwords import detect_language, stopwords_for
from tubenotes.job import VideoProcessingJob

KEY_TERMS = 12
# More terms than the notes show: questions and their distractors draw on them.
TERM_POOL = 40
SECTION_TERMS = 4
TITLE_TERMS = 3
# Key sentences per section: one per this many words, within the bounds.
WORDS_PER_KEY_SENTENCE = 200
MIN_KEY_SENTENCES, MAX_KEY_SENTENCES = 3, 6
# A key sentence says something: enough content words, not a whole paragraph.
MIN_CONTENT_WORDS, MIN_SENTENCE_WORDS, MAX_SENTENCE_WORDS = 3, 6, 60
# Below this many words a term said once is still a term.
MIN_WORDS_FOR_REPEATS = 150
# Summary length by lecture length (words): (up to, sentences).
SUMMARY_LENGTHS = ((1500, 3), (5000, 4))
LONGEST_SUMMARY = 5
UNTITLED_WORDS = 6
# Openers that point back to what was said before: such a sentence makes no sense alone, in a summary or a question.
BACK_REFERENCES = frozenset("""
here this these those they that it so and but then also
hier dies diese dieser das sie also und aber dann
aquí esto esta estos ellos así y pero entonces
ici ceci cela ils elles donc et mais alors
""".split())


@dataclass(frozen=True)
class SectionNotes:
    start: float | None
    title: str
    terms: list[KeyTerm]
    key_sentences: list[Sentence]


@dataclass(frozen=True)
class Lecture:
    sentences: list[Sentence]
    language: str | None  # detected from the text; None if no stop-word list fits
    key_terms: list[KeyTerm]
    term_pool: list[KeyTerm]
    summary: list[Sentence]
    sections: list[SectionNotes]


def analyse(job: VideoProcessingJob) -> Lecture:
    """Sections, summary and key terms of ``job``'s transcript."""
    sentences = split_sentences(job.transcript or "", job.segments)
    if not sentences:
        raise EmptyTranscriptError(
            f"The transcript of {job.video_id!r} has no words to take notes from: "
            "check the file or caption track, then run `tubenotes retry`."
        )
    all_tokens = [token for sentence in sentences for token in sentence.tokens]
    language = detect_language(all_tokens, job.language)
    stopwords = stopwords_for(language, all_tokens)
    nodes = [_node(sentence, stopwords) for sentence in sentences]
    idf = _inverse_document_frequency(nodes)

    sections = split_sections(sentences, job.chapters or slide_chapters(job.slides))
    index = TermIndex(sentences, stopwords, language)
    min_count = 2 if len(all_tokens) >= MIN_WORDS_FOR_REPEATS else 1
    term_lists = index.section_terms(
        [[sentence.index for sentence in section.sentences] for section in sections], SECTION_TERMS, min_count
    )
    notes = [
        SectionNotes(
            section.start,
            section.chapter or _title_from(terms, section),
            terms,
            [sentences[node.index] for node in textrank.pick(_candidates(section, nodes), _key_count(section), idf)],
        )
        for section, terms in zip(sections, term_lists)
    ]
    shortlist = [nodes[sentence.index] for section in notes for sentence in section.key_sentences]
    summary = textrank.pick(shortlist, _summary_length(len(all_tokens)), idf)
    return Lecture(
        sentences=sentences,
        language=language,
        key_terms=prefer_slide_terms(index.lecture_terms(TERM_POOL, min_count), job.slides, KEY_TERMS),
        term_pool=index.lecture_terms(TERM_POOL, min_count),
        summary=[sentences[node.index] for node in summary],
        sections=notes,
    )


def _node(sentence: Sentence, stopwords: frozenset[str]) -> textrank.Node:
    content = [token for token in sentence.tokens if token not in stopwords and not token.isdigit()]
    return textrank.Node(sentence.index, textrank.stems(content))


def _inverse_document_frequency(nodes: Sequence[textrank.Node]) -> dict[str, float]:
    frequency = Counter(word for node in nodes for word in node.words)
    return {word: math.log((1 + len(nodes)) / (1 + count)) + 1.0 for word, count in frequency.items()}


def _candidates(section: Section, nodes: Sequence[textrank.Node]) -> list[textrank.Node]:
    """The section's full sentences that stand alone; failing those, any full ones; then any with content;
    failing those, any at all."""
    mine = [nodes[sentence.index] for sentence in section.sentences]
    with_content = [node for node in mine if node.words]
    full = [
        sentence
        for sentence in section.sentences
        if len(nodes[sentence.index].words) >= MIN_CONTENT_WORDS
        and MIN_SENTENCE_WORDS <= len(sentence.tokens) <= MAX_SENTENCE_WORDS
    ]
    standalone = [nodes[sentence.index] for sentence in full if stands_alone(sentence)]
    return standalone or [nodes[sentence.index] for sentence in full] or with_content or mine


def stands_alone(sentence: Sentence) -> bool:
    """Whether the sentence opens without pointing back ("This is why...", "So they...")."""
    return sentence.tokens[0] not in BACK_REFERENCES


def _key_count(section: Section) -> int:
    wanted = round(section.word_count / WORDS_PER_KEY_SENTENCE)
    return min(MAX_KEY_SENTENCES, max(MIN_KEY_SENTENCES, wanted))


def _summary_length(words: int) -> int:
    return next((count for limit, count in SUMMARY_LENGTHS if words <= limit), LONGEST_SUMMARY)


def _title_from(terms: Sequence[KeyTerm], section: Section) -> str:
    """A title from the section's own terms, or its opening words when it has none."""
    if terms:
        title = ", ".join(term.text for term in terms[:TITLE_TERMS])
    elif section.sentences:
        words = section.sentences[0].text.split()
        title = " ".join(words[:UNTITLED_WORDS]) + ("…" if len(words) > UNTITLED_WORDS else "")
    else:
        title = "…"
    return title[:1].upper() + title[1:]
