"""The offline generator on real-sounding lectures: punctuated, auto-captioned, German, untimed."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tubenotes.errors import EmptyTranscriptError
from tubenotes.generate.captions import MAX_WORDS as CAPTION_MAX_WORDS
from tubenotes.generate.captions import MIN_WORDS as CAPTION_MIN_WORDS
from tubenotes.generate.lecture import analyse
from tubenotes.generate import offline
from tubenotes.generate.offline import OfflineGenerator
from tubenotes.generate.sentences import split_sentences
from tubenotes.generate.standalone import points_back
from tubenotes.job import Chapter, SourceKind, TokenUsage, TranscriptSegment, VideoProcessingJob
from tubenotes.store import MemoryCache
from tubenotes.text.labels import LABELS
from tubenotes.vault.cards import parse_cards

GRADIENT_DESCENT = """\
Welcome back, everyone. Today we are going to talk about gradient descent, which is the workhorse of modern \
machine learning. Almost every neural network you have heard of was trained with some variant of gradient descent. \
The idea is simple. We have a loss function that measures how wrong our model is on the training data, and we want \
to find the parameters that make this loss as small as possible. The gradient of the loss function tells us the \
direction in which the loss increases fastest. So if we take a small step in the opposite direction of the gradient, \
the loss should go down. Gradient descent just repeats this step over and over until the loss stops improving. You \
can picture the loss function as a landscape of hills and valleys, and gradient descent as a hiker who always walks \
downhill in the fog, feeling only the slope under her feet.

Let's write down the update rule. At every iteration we compute the gradient of the loss with respect to the \
parameters, multiply it by a small number called the learning rate, and subtract the result from the current \
parameters. The learning rate is the most important hyperparameter in the whole method. If the learning rate is too \
small, gradient descent makes tiny steps and convergence takes forever. If the learning rate is too large, the steps \
overshoot the minimum, the loss oscillates, and in the worst case the parameters diverge to infinity. A common \
practical recipe is to try learning rates on a logarithmic scale, say one, zero point one, zero point zero one, and \
watch the training loss for the first few hundred iterations. Many people also use a learning rate schedule that \
starts large and decays over time, so that early steps make fast progress and late steps settle into the minimum.

Now, computing the exact gradient requires a pass over the entire training set. When the training set has millions \
of examples, a single step of full batch gradient descent becomes very expensive. Stochastic gradient descent solves \
this problem by estimating the gradient from a small random mini-batch of examples instead of the whole data set. \
Each estimate is noisy, but it is unbiased, so on average the steps still point downhill. The noise is not only a \
cost. It can actually help the optimizer escape shallow local minima and saddle points, which are common in the loss \
landscapes of deep networks. In practice we shuffle the training data, split it into mini-batches of, say, \
thirty-two or two hundred fifty-six examples, and make one update per mini-batch. One pass over all mini-batches is \
called an epoch.

Finally, a word about momentum. Plain stochastic gradient descent can zigzag in narrow valleys of the loss function, \
because the gradient points across the valley rather than along it. Momentum fixes this by keeping a running average \
of past gradients, called the velocity, and stepping along the velocity instead of the raw gradient. The oscillations \
across the valley cancel out, while the consistent component along the valley adds up, so the optimizer accelerates \
toward the minimum. Adaptive methods such as Adam go one step further and give every parameter its own learning \
rate, scaled by a running estimate of the squared gradients. For your homework, implement gradient descent with \
momentum for linear regression and compare the convergence for three different learning rates.
"""

PHOTOSYNTHESE = """\
Herzlich willkommen zur heutigen Vorlesung über die Photosynthese. Die Photosynthese ist der Prozess, mit dem \
Pflanzen, Algen und manche Bakterien Lichtenergie in chemische Energie umwandeln. Ohne die Photosynthese gäbe es \
keinen Sauerstoff in unserer Atmosphäre und keine Nahrung für die allermeisten Lebewesen. Der Ort der Photosynthese \
sind die Chloroplasten, kleine Organellen in den Zellen der Blätter. In den Chloroplasten befindet sich das grüne \
Pigment Chlorophyll, das vor allem rotes und blaues Licht absorbiert und grünes Licht reflektiert.

Die Photosynthese läuft in zwei Phasen ab. In der ersten Phase, den lichtabhängigen Reaktionen, wird in den \
Thylakoidmembranen Wasser gespalten. Dabei entstehen Sauerstoff, Protonen und Elektronen. Die Elektronen wandern über \
eine Elektronentransportkette, und die Energie des Lichts wird in Form von ATP und NADPH gespeichert. Der Sauerstoff \
ist also eigentlich nur ein Nebenprodukt der Wasserspaltung. Die Thylakoidmembranen bilden dabei einen \
Protonengradienten, den die ATP-Synthase nutzt, um ATP herzustellen.

In der zweiten Phase, dem Calvin-Zyklus, wird Kohlendioxid aus der Luft fixiert. Das Enzym Rubisco bindet das \
Kohlendioxid an einen Zucker mit fünf Kohlenstoffatomen. Mit der Energie aus ATP und NADPH wird daraus Glucose \
aufgebaut. Der Calvin-Zyklus findet im Stroma der Chloroplasten statt und braucht kein Licht direkt, aber er ist auf \
die Produkte der lichtabhängigen Reaktionen angewiesen. Rubisco ist übrigens das häufigste Enzym der Erde, arbeitet \
aber erstaunlich langsam und verwechselt manchmal Kohlendioxid mit Sauerstoff.

Zum Schluss noch ein Blick auf die Bilanz. Aus sechs Molekülen Kohlendioxid und sechs Molekülen Wasser entstehen mit \
Lichtenergie ein Molekül Glucose und sechs Moleküle Sauerstoff. Die Glucose dient der Pflanze als Energiespeicher und \
als Baustoff, zum Beispiel für Cellulose. Für die Prüfung sollten Sie die beiden Phasen der Photosynthese, ihre Orte \
im Chloroplasten und ihre Produkte erklären können.
"""

CHAPTERS = [
    Chapter(0.0, "Introduction"),
    Chapter(60.0, "The learning rate"),
    Chapter(120.0, "Stochastic gradient descent"),
]
STAMP = re.compile(r"\[(?:(\d+):)?(\d\d):(\d\d)\](?:\((https://[^)\s]+)\))?")


# --- building jobs ------------------------------------------------------------


def captions(text: str, per_caption: int = 9, seconds: float = 3.0, auto: bool = False) -> list[TranscriptSegment]:
    """Caption segments as YouTube serves them; ``auto`` strips case and punctuation like auto-captions."""
    words = text.split()
    if auto:
        words = [w for w in (re.sub(r"[^\w'-]", "", word).lower() for word in words) if w]
    return [
        TranscriptSegment(round(i / per_caption * seconds, 2), seconds - 0.3, " ".join(words[i : i + per_caption]))
        for i in range(0, len(words), per_caption)
    ]


def youtube_job(
    segments: list[TranscriptSegment], chapters: list[Chapter] | None = None, video_id: str = "dQw4w9WgXcQ"
) -> VideoProcessingJob:
    return VideoProcessingJob(
        url=f"https://www.youtube.com/watch?v={video_id}",
        video_id=video_id,
        transcript=" ".join(segment.text for segment in segments),
        segments=segments,
        chapters=chapters or [],
        video_title="Gradient descent",
    )


def file_job(text: str, segments: list[TranscriptSegment] | None = None) -> VideoProcessingJob:
    return VideoProcessingJob(
        url="lecture.txt",
        video_id="file-3f2a9c",
        source=SourceKind.FILE,
        transcript=text,
        segments=segments or [],
        video_title="Lecture",
    )


# --- reading the Markdown back ------------------------------------------------------


def part(markdown: str, heading: str) -> str:
    """The text under a ``## heading``, up to the next one."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.S | re.M)
    assert match, f"no '## {heading}' in:\n{markdown}"
    return match.group(1)


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def said(bullet: str) -> str:
    """A bullet's sentence without its time stamp."""
    return unescape(STAMP.sub("", bullet[2:], count=1).strip())


def bullets(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("- ")]


def flat(text: str) -> str:
    """Words only: a bullet may lose an opening "So,", and a caption sentence gains its capital and full stop."""
    return " ".join(re.sub(r"[^\w\s'-]", "", text).split()).casefold()


def seconds_of(match: re.Match[str]) -> int:
    hours, minutes, secs = (int(group or 0) for group in match.groups()[:3])
    return hours * 3600 + minutes * 60 + secs


def wikilinks(text: str) -> list[str]:
    return re.findall(r"\[\[([^\]|]+)(?:\|[^\]]+)?\]\]", text)


def sections(markdown: str) -> list[tuple[str, str]]:
    """(heading, body) of every ``### `` section of the notes."""
    body = part(markdown, "Sections")
    return re.findall(r"^### ([^\n]*)\n(.*?)(?=^### |\Z)", body, re.S | re.M)


def questions(markdown: str) -> list[dict[str, object]]:
    """Each question's kind, prompt and options, joined with its answer-key line."""
    block = r"^### \d+\. ([^\n]*)\n\n> ([^\n]*)\n(.*?)(?=^### |\Z)"
    blocks = re.findall(block, part(markdown, "Questions"), re.S | re.M)
    keys = re.findall(r"^\d+\. (?:\*\*([A-D])\)\*\* )?(\[\[.*?\]\]): “(.*)”", part(markdown, "Answer key"), re.M)
    assert len(blocks) == len(keys)
    parsed = []
    for (heading, prompt, rest), (letter, link, source) in zip(blocks, keys):
        options = [unescape(o) for o in re.findall(r"^- \*\*[A-D]\)\*\* (.*)$", rest, re.M)]
        answer = re.fullmatch(r"\[\[([^\]|]+)(?:\|([^\]]+))?\]\]", link)
        assert answer
        parsed.append(
            {
                "heading": heading,
                "prompt": prompt,
                "options": options,
                "letter": letter,
                "term": answer.group(1),
                "answer": answer.group(2) or answer.group(1),
                "source": unescape(source),
            }
        )
    return parsed


# --- notes --------------------------------------------------------------------------


def test_notes_have_summary_key_terms_and_sections_taken_from_the_lecture() -> None:
    generation = OfflineGenerator().generate_notes(youtube_job(captions(GRADIENT_DESCENT), CHAPTERS))
    assert generation.generator == "offline"
    assert generation.usage == TokenUsage()
    notes = generation.text
    transcript = flat(GRADIENT_DESCENT)

    summary = [said(line) for line in bullets(part(notes, "Summary"))]
    assert 3 <= len(summary) <= 5
    assert all(flat(sentence) in transcript for sentence in summary)

    terms = wikilinks(part(notes, "Key terms"))
    assert len(terms) >= 8
    assert all(term.casefold() in transcript for term in terms)
    # The lecture's own subject, not filler: these are what a student should look up.
    assert {"gradient descent", "learning rate", "loss function"} <= {term.casefold() for term in terms}
    assert not {"going", "okay", "really", "thing", "the"} & {term.casefold() for term in terms}


def test_sections_follow_chapters_with_links_to_their_start() -> None:
    notes = OfflineGenerator().generate_notes(youtube_job(captions(GRADIENT_DESCENT), CHAPTERS)).text
    found = sections(notes)
    assert [heading.split(") ", 1)[1] for heading, _ in found] == [chapter.title for chapter in CHAPTERS]
    bounds = [chapter.start for chapter in CHAPTERS] + [float("inf")]
    for number, (heading, body) in enumerate(found):
        start = int(CHAPTERS[number].start)
        link = f"https://www.youtube.com/watch?v=dQw4w9WgXcQ&t={start}s"
        assert heading.startswith(f"[{start // 60:02d}:{start % 60:02d}]({link}) ")
        key_sentences = bullets(body)
        assert 3 <= len(key_sentences) <= 6
        times = [seconds_of(STAMP.match(line[2:])) for line in key_sentences]
        assert times == sorted(times), "key sentences stay in spoken order"
        assert all(bounds[number] <= t < bounds[number + 1] for t in times)
        assert all(flat(said(line)) in flat(GRADIENT_DESCENT) for line in key_sentences)


def test_every_timestamp_link_points_at_its_second() -> None:
    generator = OfflineGenerator()
    job = youtube_job(captions(GRADIENT_DESCENT, seconds=75.0), video_id="abcDEF12345")  # well over an hour
    text = generator.generate_notes(job).text + generator.generate_assessment(job).text
    stamps = list(STAMP.finditer(text))
    assert len(stamps) > 20
    assert any(seconds_of(stamp) >= 3600 and stamp.group(1) for stamp in stamps), "h:mm:ss past an hour"
    for stamp in stamps:
        assert stamp.group(4) == f"https://www.youtube.com/watch?v=abcDEF12345&t={seconds_of(stamp)}s"


def test_local_files_get_plain_stamps_and_no_links() -> None:
    segments = captions(GRADIENT_DESCENT)
    notes = OfflineGenerator().generate_notes(file_job(" ".join(s.text for s in segments), segments)).text
    assert "youtube.com" not in notes and "](" not in notes
    assert re.search(r"^### \[00:00\] ", notes, re.M)


def test_without_chapters_sections_are_time_windows_named_by_their_terms() -> None:
    # 9 words every 12 s: the lecture lasts about 12.5 minutes.
    job = youtube_job(captions(GRADIENT_DESCENT, seconds=12.0))
    notes = OfflineGenerator().generate_notes(job).text
    found = sections(notes)
    assert len(found) == 2
    starts = [seconds_of(STAMP.match(heading)) for heading, _ in found]
    assert starts[0] == 0 and 5 * 60 <= starts[1] <= 8 * 60
    for heading, body in found:
        title = heading.split(") ", 1)[1]
        assert all(term.strip().casefold() in flat(GRADIENT_DESCENT) for term in title.split(","))
        assert wikilinks(body) and 3 <= len(bullets(body)) <= 6


def test_untimed_text_is_cut_into_sections_by_length_without_stamps() -> None:
    text = "\n\n".join([GRADIENT_DESCENT] * 4)  # about 2,300 words: two sections of ~1,000
    notes = OfflineGenerator().generate_notes(file_job(text)).text
    assert len(sections(notes)) == 2
    assert not STAMP.search(notes)


def test_auto_captions_without_punctuation_are_split_into_pseudo_sentences() -> None:
    segments = captions(GRADIENT_DESCENT, auto=True)
    transcript = " ".join(segment.text for segment in segments)
    assert "." not in transcript and "," not in transcript

    sentences = split_sentences(transcript, segments)
    assert len(sentences) >= len(transcript.split()) // CAPTION_MAX_WORDS
    assert all(CAPTION_MIN_WORDS <= len(s.text.split()) <= CAPTION_MAX_WORDS for s in sentences[:-1])
    assert flat(" ".join(s.text for s in sentences)) == transcript, "nothing lost, nothing reordered"
    assert all(s.text[:1].isupper() and s.text.endswith(".") for s in sentences), "sentences written as sentences"
    # Each pseudo-sentence starts at a time inside the caption that says its first word.
    assert all(any(seg.start <= s.start < seg.start + seg.duration and s.text.split()[0].casefold() in seg.text.split()
                   for seg in segments) for s in sentences)

    job = youtube_job(segments, CHAPTERS)
    notes = OfflineGenerator().generate_notes(job).text
    summary = [said(line) for line in bullets(part(notes, "Summary"))]
    assert 3 <= len(summary) <= 5 and all(flat(sentence) in transcript for sentence in summary)
    terms = {term.casefold() for term in wikilinks(part(notes, "Key terms"))}
    assert {"gradient descent", "learning rate", "loss function"} <= terms


def test_run_on_punctuated_sentences_are_cut_at_a_comma() -> None:
    text = "We see that " + ", ".join(f"the {word} matters" for word in ["rate", "step", "loss", "data"] * 5) + "."
    sentences = split_sentences(text, [])
    assert len(sentences) > 1
    assert all(len(s.text.split()) <= 45 for s in sentences)
    assert all(s.text.rstrip(".").endswith("matters") for s in sentences[:-1])


def test_german_lecture_is_recognised_and_its_stop_words_ignored() -> None:
    job = file_job(PHOTOSYNTHESE)  # a local file of unknown language
    assert analyse(job).language == "de"
    notes = OfflineGenerator().generate_notes(job).text
    terms = wikilinks(part(notes, "Schlüsselbegriffe"))
    assert {"Photosynthese", "Sauerstoff", "Kohlendioxid", "Chloroplasten"} <= set(terms)
    assert not {"und", "die", "der", "das", "ist", "wird"} & {term.casefold() for term in terms}
    assert "## Abschnitte" in notes and "Summary" not in notes
    assessment = OfflineGenerator().generate_assessment(job).text
    assert "## Fragen" in assessment and "## Lösungen" in assessment and "Fill in" not in assessment
    assert len(parse_cards(assessment)) >= 3, "cards are not found under the German headings"
    summary = [said(line) for line in bullets(part(notes, "Zusammenfassung"))]
    assert summary and all(flat(sentence) in flat(PHOTOSYNTHESE) for sentence in summary)
    spoken = " ".join(s.text for s in split_sentences(PHOTOSYNTHESE, []))
    assert " um ATP herzustellen" in spoken, "German 'um' is no filler"


def test_sound_tags_and_fillers_are_dropped_from_captions() -> None:
    segments = [
        TranscriptSegment(0.0, 2.0, "[Music]"),
        TranscriptSegment(2.0, 3.0, ">> So, um, entropy measures disorder."),
        TranscriptSegment(5.0, 3.0, "Uh, it never decreases in an isolated system. [Applause]"),
    ]
    texts = [s.text for s in split_sentences("", segments)]
    assert texts == ["So, entropy measures disorder.", "it never decreases in an isolated system."]


# --- assessment -----------------------------------------------------------------------


@pytest.mark.parametrize("auto", [False, True], ids=["punctuated", "auto-captions"])
def test_assessment_questions_are_answerable_from_the_transcript(auto: bool) -> None:
    segments = captions(GRADIENT_DESCENT, auto=auto)
    job = youtube_job(segments, CHAPTERS)
    generation = OfflineGenerator().generate_assessment(job)
    assert generation.generator == "offline" and generation.usage == TokenUsage()
    asked = questions(generation.text)
    assert len(asked) >= 8
    kinds = {q["heading"].split(" · ")[0] for q in asked}
    assert kinds == {"Fill in the blank", "Multiple choice"}
    transcript = flat(job.transcript)
    answers = set()
    for q in asked:
        source, answer = str(q["source"]), str(q["answer"])
        assert flat(source) in transcript, "the source sentence is the speaker's"
        assert re.search(rf"(?<!\w){re.escape(answer)}(?!\w)", source, re.I), "the answer is in its sentence"
        filled = unescape(str(q["prompt"])).replace("_____", answer)
        assert flat(filled) == flat(source), "filling the blank gives back the sentence"
        assert "&t=" in str(q["heading"])
        answers.add(answer.casefold())
        if q["options"]:
            options = [str(o).casefold() for o in q["options"]]
            assert len(options) == 4 and len(set(options)) == 4
            assert options.count(answer.casefold()) == 1
            assert "ABCD"[options.index(answer.casefold())] == q["letter"]
            assert all(option in transcript for option in options), "distractors are the lecture's terms"
    assert len(answers) == len(asked), "each question asks about a different term"


def test_output_is_deterministic_and_keyed_by_the_video() -> None:
    job = youtube_job(captions(GRADIENT_DESCENT), CHAPTERS)
    first, second = OfflineGenerator(), OfflineGenerator()
    assert first.generate_notes(job).text == second.generate_notes(job).text
    assessment = first.generate_assessment(job).text
    assert assessment == second.generate_assessment(job).text
    # The same lecture under other video ids: shuffles are seeded by the video.
    others = {
        OfflineGenerator().generate_assessment(youtube_job(job.segments, CHAPTERS, f"vid{n:08d}")).text
        for n in range(4)
    }
    assert len(others | {assessment}) > 1


def test_a_repeated_call_is_served_from_the_cache() -> None:
    cache = MemoryCache()
    job = youtube_job(captions(GRADIENT_DESCENT), CHAPTERS)
    notes = OfflineGenerator(cache).generate_notes(job)
    assert cache.computed == 1
    assert OfflineGenerator(cache).generate_notes(job) is notes
    assert cache.computed == 1
    OfflineGenerator(cache).generate_assessment(job)
    OfflineGenerator(cache).generate_assessment(job)
    assert cache.computed == 2
    job.chapters = CHAPTERS[:2]
    OfflineGenerator(cache).generate_notes(job)
    assert cache.computed == 3, "a different input is a different entry"


def test_notes_and_assessment_of_a_job_share_one_analysis_while_other_threads_generate(monkeypatch) -> None:
    """The runner's generate threads interleave: each thread's job is analysed once, not once per document."""
    analysed = []

    def counted(job, slide_texts=()):
        analysed.append(job.video_id)
        return analyse(job, slide_texts)

    monkeypatch.setattr(offline, "analyse", counted)
    generator = OfflineGenerator()
    jobs = [youtube_job(captions(GRADIENT_DESCENT), CHAPTERS, f"vid{n:08d}") for n in range(2)]
    with ThreadPoolExecutor(1) as first, ThreadPoolExecutor(1) as second:
        threads = (first, second)
        for thread, job in zip(threads, jobs):
            thread.submit(generator.generate_notes, job).result()
        for thread, job in zip(threads, jobs):
            thread.submit(generator.generate_assessment, job).result()
    assert analysed == ["vid00000000", "vid00000001"]


def test_the_input_digest_covers_every_field_of_the_segments_and_chapters() -> None:
    """Segments are written out field by field (asdict was a tenth of the generator's time): a field added
    to a segment or chapter must reach the digest, and the digests of cached notes must not change."""
    job = youtube_job(captions(GRADIENT_DESCENT), CHAPTERS)
    canonical = {
        "transcript": job.transcript, "title": job.video_title, "video_id": job.video_id,
        "video_url": job.get_youtube_url(), "language": job.language,
        "segments": [dataclasses.asdict(segment) for segment in job.segments],
        "chapters": [dataclasses.asdict(chapter) for chapter in job.chapters],
    }
    expected = hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    assert offline.input_digest(job) == expected


def test_a_local_transcript_that_gains_its_video_gets_linked_notes_not_cached_ones() -> None:
    cache = MemoryCache()
    job = file_job(GRADIENT_DESCENT, captions(GRADIENT_DESCENT))
    plain = OfflineGenerator(cache).generate_notes(job).text
    job.youtube_id = "dQw4w9WgXcQ"  # the yt-dlp sidecar appeared
    linked = OfflineGenerator(cache).generate_notes(job).text
    assert "youtube.com/watch?v=dQw4w9WgXcQ&t=" in linked and "youtube.com" not in plain


# --- odd input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["Hello.", "Thanks for watching!", "1 2 3 4 5 6 7 8 9 10", "🎉 *** $$$ ### | ~ _ `x` <b>", "x" * 3000, "ok " * 500],
    ids=["one-word", "one-sentence", "numbers", "symbols", "one-long-word", "one-word-repeated"],
)
def test_tiny_or_odd_transcripts_give_short_valid_documents(text: str) -> None:
    generator = OfflineGenerator()
    notes = generator.generate_notes(file_job(text)).text
    assessment = generator.generate_assessment(file_job(text)).text
    assert notes.startswith("## Summary\n") and "## Sections" in notes
    assert "## Questions" in assessment and "## Answer key" in assessment


@pytest.mark.parametrize("text", ["", "   \n\n ", "[Music]", "♪ ♪ ♪"])
def test_a_transcript_without_words_fails_with_a_clear_reason(text: str) -> None:
    with pytest.raises(EmptyTranscriptError, match="no words"):
        OfflineGenerator().generate_notes(file_job(text))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.floats(-10, 1e5, allow_nan=False), st.floats(-5, 60, allow_nan=False), st.text(max_size=80)),
        max_size=30,
    ),
    st.lists(st.tuples(st.floats(-10, 1e5, allow_nan=False), st.text(max_size=20)), max_size=5),
)
def test_any_captions_give_notes_or_a_clear_failure(
    raw_segments: list[tuple[float, float, str]], raw_chapters: list[tuple[float, str]]
) -> None:
    segments = [TranscriptSegment(start, duration, text) for start, duration, text in raw_segments]
    job = youtube_job(segments, [Chapter(start, title) for start, title in raw_chapters])
    try:
        notes = OfflineGenerator().generate_notes(job).text
    except EmptyTranscriptError:
        return
    assert notes == OfflineGenerator().generate_notes(job).text
    assessment = OfflineGenerator().generate_assessment(job).text
    assert any(f"## {labels.questions}\n" in assessment for labels in LABELS.values())


def test_sentences_that_point_back_are_not_summaries_or_questions_and_months_are_no_terms() -> None:
    text = (
        "In March we started with the heat engine and its cycle of heat and work. "
        "This is why the entropy of a closed system always grows and the entropy of the heat engine matters. "
        "So the entropy of a closed system grows, and the entropy of the heat engine grows with it. "
        "The second law says that the entropy of a closed system never decreases over time. "
        "A heat engine turns heat into work and must give some heat to a colder body in March or in May. "
        "The efficiency of a heat engine is limited by the temperatures of the hot and the cold body. "
        "Entropy measures how many microscopic states fit the macroscopic state of the system. "
        "They showed in March that a heat engine cannot beat the efficiency of the Carnot cycle. "
    ) * 2
    job = file_job(text)
    lecture = analyse(job)
    openers = {"this", "so", "they"}
    assert lecture.summary and not {s.tokens[0] for s in lecture.summary} & openers
    assert "march" not in {term.text.casefold() for term in lecture.term_pool}
    texts = [term.text for term in lecture.key_terms]
    assert "heat engine" in texts[:2] and not {"heat", "engine"} & set(texts), "a phrase ranks below its own words"
    from tubenotes.generate.questions import _sources

    assert not any(points_back(sentence.text, "en") for sentence in _sources(lecture)), "a question pointed back"
