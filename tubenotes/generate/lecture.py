"""What the offline generator knows about a lecture: its sections, key sentences and key terms."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tubenotes.errors import EmptyTranscriptError
from tubenotes.generate import textrank
from tubenotes.generate.definitions import NAMED, best_definition, is_definitional
from tubenotes.generate.keyterms import Key, KeyTerm, TermIndex
from tubenotes.generate.sections import Section, split_sections
from tubenotes.generate.sentences import Sentence, split_sentences
from tubenotes.generate.slides import slide_chapters
from tubenotes.generate.standalone import standalone
from tubenotes.job import VideoProcessingJob
from tubenotes.text.stopwords import detect_language, stopwords_for

KEY_TERMS = 12
# More terms than the notes show: questions and their distractors draw on them.
TERM_POOL = 40
# Terms looked at for a definition: the leading ones by count (and any said only where defined).
DEFINITION_CONTENDERS = 120
SECTION_TERMS = 4
TITLE_TERMS = 3
# Key sentences per section: one per this many words, or one per definition if there are more, within the bounds.
WORDS_PER_KEY_SENTENCE = 200
MIN_KEY_SENTENCES, MAX_KEY_SENTENCES = 3, 20
# A sentence that defines or explains counts this many times as central in the ranking.
DEFINITION_WEIGHT = 3.0
# A term the lecture defines, or shows on a slide, or names in its title, weighs this many times more.
DEFINED_WEIGHT, SLIDE_WEIGHT, TITLE_WEIGHT = 2.0, 2.0, 1.5
# A key sentence says something: enough content words, not a whole paragraph.
MIN_CONTENT_WORDS, MIN_SENTENCE_WORDS, MAX_SENTENCE_WORDS = 3, 6, 60
# Below this many words a term said once is still a term.
MIN_WORDS_FOR_REPEATS = 150
# Summary length by lecture length (words): (up to, sentences).
SUMMARY_LENGTHS = ((1500, 3), (5000, 4))
LONGEST_SUMMARY = 5
UNTITLED_WORDS = 6
_FIRST_PERSON = frozenset("i i'm i've i'll i'd".split())
CASE_SAMPLE_CHARS = 20_000


@dataclass(frozen=True)
class SectionNotes:
    start: float | None
    title: str
    terms: list[KeyTerm]
    key_sentences: list[Sentence]


@dataclass(frozen=True)
class Lecture:
    sentences: list[Sentence]
    # Each sentence as a note can quote it (see standalone.py), or None where it cannot stand alone.
    readable: list[Sentence | None]
    language: str | None  # detected from the text; None if no stop-word list fits
    key_terms: list[KeyTerm]
    term_pool: list[KeyTerm]
    summary: list[Sentence]
    sections: list[SectionNotes]
    definitions: dict[Key, Sentence]  # the sentence that defines a term, for the terms the lecture defines
    cased: bool  # whether the transcript has capitals (auto-captions have none): spoken formulas need them


def analyse(job: VideoProcessingJob, slide_texts: Sequence[str] = ()) -> Lecture:
    """Sections, summary and key terms of ``job``'s transcript; terms on ``slide_texts`` (the text of the
    lecture's slides, when there are any) rank higher."""
    sentences = split_sentences(job.transcript or "", job.segments)
    if not sentences:
        raise EmptyTranscriptError(
            f"The transcript of {job.video_id!r} has no words to take notes from: "
            "check the file or caption track, then run `tubenotes retry`."
        )
    all_tokens = [token for sentence in sentences for token in sentence.tokens]
    language = detect_language(all_tokens, job.language)
    stopwords = stopwords_for(language, all_tokens)
    readable = [standalone(sentences, sentence.index, language) for sentence in sentences]
    nodes = [_node(quoted or sentence, stopwords) for quoted, sentence in zip(readable, sentences)]
    idf = _inverse_document_frequency(nodes)
    weights = {quoted.index: DEFINITION_WEIGHT for quoted in readable
               if quoted is not None and is_definitional(quoted.text, language or "en")}

    sections = split_sections(sentences, job.chapters or slide_chapters(job.slides))
    index = TermIndex(sentences, stopwords, language)
    min_count = 2 if len(all_tokens) >= MIN_WORDS_FOR_REPEATS else 1
    definitions = _definitions(index, min_count, sentences, [readable[i] for i in sorted(weights)], language)
    term_lists = index.section_terms(
        [[sentence.index for sentence in section.sentences] for section in sections], SECTION_TERMS, min_count,
        definitions,
    )
    notes = [
        SectionNotes(
            section.start,
            section.chapter or _title_from(terms, section),
            terms,
            [readable[node.index] or sentences[node.index] for node in textrank.pick(
                _candidates(section, nodes, readable), _key_count(section, weights), idf, weights)],
        )
        for section, terms in zip(sections, term_lists)
    ]
    shortlist = [nodes[sentence.index] for section in notes for sentence in section.key_sentences]
    summary = textrank.pick(shortlist, _summary_length(len(all_tokens)), idf, weights)
    favoured = _favoured(index, definitions, [job.video_title or "", *(c.title for c in job.chapters)], slide_texts)
    return Lecture(
        sentences=sentences,
        readable=readable,
        language=language,
        key_terms=index.lecture_terms(KEY_TERMS, min_count, favoured, definitions),
        term_pool=index.lecture_terms(TERM_POOL, min_count, favoured, definitions),
        summary=[readable[node.index] or sentences[node.index] for node in summary],
        sections=notes,
        definitions=definitions,
        cased=_is_cased(job.transcript or ""),
    )


def _definitions(index: TermIndex, min_count: int, sentences: Sequence[Sentence],
                 definitional: Sequence[Sentence | None], language: str | None) -> dict[Key, Sentence]:
    """The sentence that defines each term that the lecture defines, of its leading terms and of those
    said only where they are defined."""
    contenders = {term.key: term for term in index.lecture_terms(DEFINITION_CONTENDERS, min_count)}
    for sentence in definitional:
        for key in index.terms_in(sentence.text) if sentence is not None else ():
            if key not in contenders and (term := index.term(key)) is not None and term.count < min_count:
                contenders[key] = term
    return {key: found for key, term in contenders.items()
            if (found := best_definition(key, sentences, term.sentences, language, at_least=NAMED)) is not None}


def _favoured(
    index: TermIndex, definitions: Mapping[Key, Sentence], titles: Sequence[str], slide_texts: Sequence[str]
) -> dict[Key, float]:
    """How many times more each term weighs: defined, on a slide, in the title or a chapter's."""
    favoured = dict.fromkeys(definitions, DEFINED_WEIGHT)
    for weight, texts in ((SLIDE_WEIGHT, slide_texts), (TITLE_WEIGHT, titles)):
        for key in set().union(*(index.terms_in(text) for text in texts)) if texts else ():
            favoured[key] = favoured.get(key, 1.0) * weight
    return favoured


def _is_cased(transcript: str) -> bool:
    """Whether the transcript has capitals of its own: auto-captions have none (but "I")."""
    return any(word[:1].isupper() for word in transcript[:CASE_SAMPLE_CHARS].split()
               if word.casefold().strip(".,;:!?") not in _FIRST_PERSON)


def _node(sentence: Sentence, stopwords: frozenset[str]) -> textrank.Node:
    content = [token for token in sentence.tokens if token not in stopwords and not token.isdigit()]
    return textrank.Node(sentence.index, textrank.stems(content))


def _inverse_document_frequency(nodes: Sequence[textrank.Node]) -> dict[str, float]:
    frequency = Counter(word for node in nodes for word in node.words)
    return {word: math.log((1 + len(nodes)) / (1 + count)) + 1.0 for word, count in frequency.items()}


def _candidates(
    section: Section, nodes: Sequence[textrank.Node], readable: Sequence[Sentence | None]
) -> list[textrank.Node]:
    """The section's full sentences that stand alone (a question is no note); failing those, any that stand
    alone with content; failing those (a transcript of a few words), any at all."""
    alone = [quoted for sentence in section.sentences
             if (quoted := readable[sentence.index]) is not None and not quoted.text.endswith("?")]
    full = [
        nodes[sentence.index]
        for sentence in alone
        if len(nodes[sentence.index].words) >= MIN_CONTENT_WORDS
        and MIN_SENTENCE_WORDS <= len(sentence.tokens) <= MAX_SENTENCE_WORDS
    ]
    with_content = [nodes[sentence.index] for sentence in alone if nodes[sentence.index].words]
    return full or with_content or [nodes[sentence.index] for sentence in section.sentences]


def _key_count(section: Section, weights: Mapping[int, float]) -> int:
    """One key sentence per WORDS_PER_KEY_SENTENCE words, or per definition when the section has more."""
    definitions = sum(1 for sentence in section.sentences if sentence.index in weights)
    wanted = max(round(section.word_count / WORDS_PER_KEY_SENTENCE), definitions)
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
