"""The built-in generator: study notes and an assessment with no model and no download.

It is extractive: the notes are the lecture's most central sentences, by
section, with its key terms as Obsidian links; the assessment blanks key terms
in those sentences. Everything is the speaker's own words, so nothing is
invented, and the same transcript always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable

from tubenotes.generate.formulas import spoken_formulas
from tubenotes.generate.lecture import Lecture, analyse
from tubenotes.generate.questions import make_questions, render_assessment
from tubenotes.generate.sentences import Sentence
from tubenotes.generate.slides import render_slide_lines, slide_lines
from tubenotes.job import Generation, TokenUsage, VideoProcessingJob
from tubenotes.store.base import GenerationCache
from tubenotes.store.memory import MemoryCache
from tubenotes.text.labels import labels_for
from tubenotes.text.markdown import escape, spaced, stamp
from tubenotes.text.markdown import wikilink

# Bump when the output changes, so cached notes of an older version are made anew.
OFFLINE_GENERATOR_VERSION = "5"
# Between a spoken sentence and the formulas it reads aloud.
FORMULA_MARK = "→"


class OfflineGenerator:
    """Extractive notes and assessment (TextRank sentences, key terms, cloze and multiple choice)."""

    name = "offline"

    def __init__(self, cache: GenerationCache | None = None) -> None:
        self.cache: GenerationCache = MemoryCache() if cache is None else cache
        # Notes and assessment of one job share one analysis. The runner's generate threads each make a
        # job's notes, then its assessment: the last analysis is kept per thread, or another thread's job
        # in between would have the analysis (most of the generator's time) made twice.
        self._local = threading.local()

    def generate_notes(self, job: VideoProcessingJob) -> Generation:
        return self._generate(job, "notes", render_notes)

    def generate_assessment(self, job: VideoProcessingJob) -> Generation:
        return self._generate(job, "assessment", render_offline_assessment)

    def _generate(
        self, job: VideoProcessingJob, kind: str, render: Callable[[Lecture, VideoProcessingJob], str]
    ) -> Generation:
        digest = input_digest(job)
        parts: dict[str, object] = {"generator": self.name, "version": OFFLINE_GENERATOR_VERSION, "kind": kind,
                                    "input": digest}
        if job.regeneration:  # as for an LLM's answers: each `--regenerate` round is its own entry
            parts["regeneration"] = job.regeneration
        return self.cache.get_or_compute(
            parts, lambda: Generation(render(self._analysis(job, digest), job), self.name, TokenUsage())
        )

    def _analysis(self, job: VideoProcessingJob, digest: str) -> Lecture:
        last: tuple[str, Lecture] | None = getattr(self._local, "last", None)
        if last is not None and last[0] == digest:
            return last[1]
        lecture = analyse(job, [slide.text for slide in job.slides or ()])
        self._local.last = (digest, lecture)
        return lecture


def input_digest(job: VideoProcessingJob) -> str:
    """A hash of everything in the job that the offline output depends on."""
    data = {
        "transcript": job.transcript,
        # What dataclasses.asdict gives, without its deep copies: a tenth of the time, twice per lecture.
        "segments": [{"start": s.start, "duration": s.duration, "text": s.text} for s in job.segments],
        "chapters": [{"start": c.start, "title": c.title} for c in job.chapters],
        "title": job.video_title,
        "video_id": job.video_id,
        "video_url": job.get_youtube_url(),  # time stamps link into it
        "language": job.language,
    }
    if job.slides:  # only then: the notes of lectures without slides keep their cache entries
        data["slides"] = [[slide.start, slide.title, slide.lines] for slide in job.slides]
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def render_offline_assessment(lecture: Lecture, job: VideoProcessingJob) -> str:
    return render_assessment(make_questions(lecture, job.video_id), job, labels_for(lecture.language))


def render_notes(lecture: Lecture, job: VideoProcessingJob) -> str:
    """The notes as Markdown: summary, key terms, then each section's key sentences."""
    labels = labels_for(lecture.language)
    lines = [f"## {labels.summary}", ""]
    lines += [_bullet(sentence, job, lecture) for sentence in lecture.summary]
    lines += ["", f"## {labels.key_terms}", ""]
    if lecture.key_terms:
        for term in lecture.key_terms:
            definition = lecture.definitions.get(term.key)
            if definition is not None:
                lines.append(f"- {wikilink(term.text)}: " + _said(definition, job, lecture))
            else:
                where = stamp(job, lecture.sentences[term.sentences[0]].start)
                lines.append(f"- {wikilink(term.text)}" + (f" ({where})" if where else ""))
    else:
        lines.append(labels.no_terms)
    lines += ["", f"## {labels.sections}", ""]
    ends = [section.start for section in lecture.sections[1:]] + [None]
    for section, end in zip(lecture.sections, ends):
        lines += [f"### {spaced(stamp(job, section.start), escape(section.title))}", ""]
        if section.terms:
            lines += [f"{labels.terms}: " + ", ".join(wikilink(term.text) for term in section.terms), ""]
        lines += render_slide_lines(slide_lines(job.slides, section.start, end), labels.on_the_slide)
        if section.key_sentences:
            lines += [_bullet(sentence, job, lecture) for sentence in section.key_sentences]
        else:
            lines.append(labels.nothing_said)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _bullet(sentence: Sentence, job: VideoProcessingJob, lecture: Lecture) -> str:
    return f"- {spaced(stamp(job, sentence.start), _said(sentence, job, lecture))}"


def _said(sentence: Sentence, job: VideoProcessingJob, lecture: Lecture) -> str:
    """The sentence as Markdown, with the formulas it reads aloud beside it."""
    formulas = spoken_formulas(sentence.text, lecture.language) if lecture.cased else []
    written = ", ".join(f"${formula.latex}$" for formula in formulas)
    return spaced(escape(sentence.text), f"{FORMULA_MARK} {written}" if written else "")
