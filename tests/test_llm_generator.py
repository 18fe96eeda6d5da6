"""Notes and assessments end to end: the real SDK over real HTTP against the fake server."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tubenotes.errors import GenerationError
from tubenotes.generate.chunking import estimate_tokens
from tubenotes.generate.llm import ChatClient, RetryPolicy
from tubenotes.generate.llm_generator import LlmGenerator
from tubenotes.generate.providers import LlmSettings, resolve_llm
from tubenotes.job import Chapter, TranscriptSegment, VideoProcessingJob
from tubenotes.store import MemoryCache, cache_key
from tubenotes.testing.fake_llm import Behavior, FakeLlmServer

VIDEO = "dQw4w9WgXcQ"
SECRET = "sk-test-SECRET-0123456789"
TOPICS = ["entropy", "enthalpy", "pressure", "volume", "temperature", "equilibrium", "diffusion", "catalysis"]


def lecture(minutes: int = 10, chapters: bool = True) -> VideoProcessingJob:
    """A lecture whose every line carries a unique marker, so coverage can be checked."""
    segments = [
        TranscriptSegment(10.0 * i, 10.0, f"Line L{i:04d} explains {TOPICS[i % len(TOPICS)]} with an example.")
        for i in range(minutes * 6)
    ]
    return VideoProcessingJob(
        url=f"https://www.youtube.com/watch?v={VIDEO}", video_id=VIDEO, video_title="Thermodynamics",
        transcript=" ".join(s.text for s in segments), segments=segments,
        chapters=[Chapter(0.0, "Basics"), Chapter(minutes * 30.0, "Applications")] if chapters else [],
        duration_seconds=minutes * 60.0,
    )


@pytest.fixture
def fake() -> Iterator[FakeLlmServer]:
    with FakeLlmServer(hang_seconds=3) as server:
        yield server


def generator_for(fake: FakeLlmServer, cache: Any = None, context_window: int | None = None,
                  env: dict[str, str] | None = None, model: str = "vllm:fake-model") -> LlmGenerator:
    settings = resolve_llm(model, fake.base_url, env or {}, lambda: None, context_window=context_window)
    assert isinstance(settings, LlmSettings)
    client = ChatClient(settings, retry=RetryPolicy(attempts=2), sleep=lambda s: None)
    return LlmGenerator(settings, cache if cache is not None else MemoryCache(), client=client)


class RecordingCache(MemoryCache):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[dict[str, Any]] = []

    def get_or_compute(self, parts, compute):  # type: ignore[no-untyped-def]
        self.parts.append(dict(parts))
        return super().get_or_compute(parts, compute)


def test_notes_have_summary_linked_sections_and_usage(fake: FakeLlmServer) -> None:
    job = lecture()
    generation = generator_for(fake).generate_notes(job)
    assert generation.generator == "vllm:fake-model"
    assert generation.text.startswith("## Summary")
    assert re.search(rf"\]\(https://www\.youtube\.com/watch\?v={VIDEO}&t=\d+s\)", generation.text)
    assert "[[" in generation.text and "## Takeaways" in generation.text
    assert generation.usage.calls == 1 and generation.usage.prompt_tokens > estimate_tokens(job.transcript)
    prompt = fake.requests[0]["messages"][1]["content"]
    assert "[00:00] Line L0000" in prompt and "[09:30] Line L0057" in prompt and "L0059" in prompt and "[05:00] Applications" in prompt


def test_notes_and_assessment_share_the_transcript_prefix(fake: FakeLlmServer) -> None:
    generator = generator_for(fake)
    job = lecture()
    generator.generate_notes(job)
    generator.generate_assessment(job)
    notes_call, assessment_call = (r["messages"] for r in fake.requests)
    assert notes_call[:3] == assessment_call[:3] and notes_call[3] != assessment_call[3]
    assert [m["role"] for m in notes_call] == ["system", "user", "assistant", "user"]


def test_assessment_is_validated_and_rendered_with_callouts_and_key(fake: FakeLlmServer) -> None:
    generation = generator_for(fake).generate_assessment(lecture())
    text = generation.text
    assert text.index("## Questions") < text.index("> [!success]- Answer") < text.index("## Answer key")
    assert "- A. " in text and "**True**" in text
    assert fake.requests[0]["response_format"]["type"] == "json_schema"


def test_assessment_falls_back_to_plain_json_prompt(fake: FakeLlmServer) -> None:
    fake.reject_formats |= {"json_schema", "json_object"}
    generator = generator_for(fake)
    assert "## Answer key" in generator.generate_assessment(lecture()).text
    assert "response_format" not in fake.requests[-1] and fake.calls == 3


@pytest.mark.parametrize("bad", ["malformed_json", "schema_violation"])
def test_bad_json_is_repaired_once_with_the_error(fake: FakeLlmServer, bad: str) -> None:
    fake.script(Behavior(bad))
    generation = generator_for(fake).generate_assessment(lecture())
    assert "## Questions" in generation.text and generation.usage.calls == 2
    repair = fake.requests[1]["messages"]
    assert repair[-2]["role"] == "assistant" and "not valid" in repair[-1]["content"]
    assert ("malformed" if bad == "malformed_json" else "schema") in repair[-1]["content"]


def test_bad_json_twice_fails_clearly_and_is_not_cached(fake: FakeLlmServer) -> None:
    cache = MemoryCache()
    fake.script(Behavior("schema_violation"), Behavior("malformed_json"))
    with pytest.raises(GenerationError, match="no usable answer twice.*malformed"):
        generator_for(fake, cache).generate_assessment(lecture())
    assert cache.computed == 0


@pytest.mark.parametrize("bad", ["refusal", "apology", "empty", "cut_off"])
def test_a_bad_answer_is_retried_and_never_becomes_notes(fake: FakeLlmServer, bad: str) -> None:
    fake.script(Behavior(bad))
    generation = generator_for(fake).generate_notes(lecture())
    assert generation.text.startswith("## Summary") and "sorry" not in generation.text.lower()
    assert fake.calls == 2

    fake.script(Behavior(bad), Behavior(bad))
    with pytest.raises(GenerationError, match="no usable answer twice"):
        generator_for(fake).generate_notes(lecture(minutes=11))


def test_please_provide_the_transcript_is_never_notes(fake: FakeLlmServer) -> None:
    fake.script(*[Behavior("text", text="Please provide the transcript so I can write notes. " * 5)] * 2)
    with pytest.raises(GenerationError, match="(?i)please provide the transcript"):
        generator_for(fake).generate_notes(lecture())


def test_a_long_lecture_in_a_small_context_is_chunked_and_nothing_is_lost(fake: FakeLlmServer) -> None:
    job = lecture(minutes=180)  # 1080 lines, three hours
    generator = generator_for(fake, context_window=8192)
    notes = generator.generate_notes(job)
    assessment = generator.generate_assessment(job)

    prompts = [m["content"] for r in fake.requests for m in r["messages"]]
    sent = "\n".join(prompts)
    missing = [i for i in range(len(job.segments)) if f"L{i:04d}" not in sent]
    assert missing == []
    map_calls = [r for r in fake.requests if "This is part" in r["messages"][-1]["content"]]
    assert len(map_calls) > 3
    for request in fake.requests:  # every prompt fits the window with room for the answer
        assert sum(estimate_tokens(m["content"]) for m in request["messages"]) + request["max_tokens"] <= 8192
    assert notes.text.startswith("## Summary") and "## Takeaways" in notes.text
    assert notes.text.count("## Topic at") >= len(map_calls)  # every part's sections kept
    assert assessment.usage.calls == len(map_calls)


def test_second_run_with_the_same_cache_makes_no_calls(fake: FakeLlmServer) -> None:
    cache = MemoryCache()
    job = lecture(minutes=90)
    first = generator_for(fake, cache, context_window=8192)
    first_notes = first.generate_notes(job)
    first.generate_assessment(job)
    calls = fake.calls
    assert calls > 2

    again = generator_for(fake, cache, context_window=8192)  # a resumed run: new client, same cache
    notes = again.generate_notes(job)
    again.generate_assessment(job)
    assert fake.calls == calls and notes.text == first_notes.text
    assert notes.usage.calls == 0 and max(fake.calls_by_prompt.values()) == 1


def test_the_key_is_not_in_the_cache_key_reprs_or_job(fake: FakeLlmServer) -> None:
    cache = RecordingCache()
    generator = generator_for(fake, cache, env={"OPENAI_API_KEY": SECRET}, model="openai:gpt-4o-mini")
    job = lecture()
    job.study_notes = generator.generate_notes(job).text
    assert cache.parts and all(SECRET not in json.dumps(p) for p in cache.parts)
    assert {"provider", "host", "model", "messages", "params", "response_format"} <= set(cache.parts[0])
    assert cache.parts[0]["host"] == fake.base_url.removeprefix("http://")
    assert SECRET not in repr(generator) and SECRET not in job.to_json()
    other = generator_for(fake, RecordingCache(), env={"OPENAI_API_KEY": "sk-other"}, model="openai:gpt-4o-mini")
    other.generate_notes(lecture())
    assert cache_key(cache.parts[0]) == cache_key(other.cache.parts[0])  # a new key reuses the answers


def test_timestamp_links_past_the_end_or_to_other_videos_are_fixed(fake: FakeLlmServer) -> None:
    notes = ("## Summary\n\nA lecture about [[Entropy]] and how it grows in closed systems over time, "
             "with examples from engines and refrigerators and many more words to be long enough.\n\n"
             "## Basics\n[▶ 01:00](https://www.youtube.com/watch?v=OTHERVIDEO1&t=60s)\n\n"
             "## Later\n[▶ 99:00](https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=5940s)\n"
             "See https://youtu.be/dQw4w9WgXcQ?t=2m5s too.\n")
    fake.script(Behavior("text", text=notes))
    job = lecture()
    text = generator_for(fake).generate_notes(job).text
    assert f"[▶ 01:00](https://www.youtube.com/watch?v={VIDEO}&t=60s)" in text
    assert "t=5940s" not in text and "## Later\n▶ 99:00" in text
    assert f"https://www.youtube.com/watch?v={VIDEO}&t=125s too" in text
    assert any("dropped 1 timestamp" in w for w in job.warnings)


def test_a_resumed_run_on_the_job_store_cache_pays_nothing(fake: FakeLlmServer, tmp_path: Any) -> None:
    from tubenotes.store import SqliteStore

    job = lecture(minutes=90)
    with SqliteStore(tmp_path) as store:
        generator_for(fake, store.cache, context_window=8192).generate_notes(job)
    calls = fake.calls
    with SqliteStore(tmp_path) as store:  # a new process: new store connection, new client
        generator_for(fake, store.cache, context_window=8192).generate_notes(job)
        stats = store.cache.stats()
    assert fake.calls == calls and stats["computed"] == stats["entries"] == calls and stats["hits"] == calls


def _question(**fields: Any) -> dict[str, Any]:
    return {"kind": "multiple_choice", "question": "Which?", "options": ["a", "b", "c", "d"], "answer": "b",
            "explanation": "Because.", "timestamp_seconds": 30, **fields}


def test_line_breaks_in_answers_stay_inside_the_answer_callout() -> None:
    from tubenotes.generate.assessment import parse_assessment, render_llm_assessment
    from tubenotes.vault.cards import parse_cards

    question = _question(kind="short_answer", options=[], question="What grows?\n\nIn closed systems.",
                         answer="**Entropy**\n\ngrows", explanation="It grows.\n\nAlways, says the lecture.")
    text = render_llm_assessment(parse_assessment(json.dumps({"questions": [question]})), lambda s: None, None)
    callout = text[text.index("> [!success]- Answer"):text.index("## Answer key")]
    assert "Always, says the lecture." in callout and "\n\n" not in callout.strip()
    [card] = parse_cards(text)
    assert card.question == "What grows? In closed systems." and card.context == "It grows. Always, says the lecture."


def test_more_options_than_letters_is_a_schema_error_for_the_repair_round() -> None:
    from tubenotes.generate.assessment import parse_assessment

    many = [f"option {i}" for i in range(9)]
    with pytest.raises(ValueError, match="three to 8 options"):
        parse_assessment(json.dumps({"questions": [_question(options=many, answer="option 8")]}))


def test_a_fence_around_the_notes_and_a_think_block_are_removed_before_the_check(fake: FakeLlmServer) -> None:
    thinking = "<think>" + "Let me think about the lecture and what the notes should say. " * 10 + "</think>\n\nDone."
    notes = ("## Summary\n\nA lecture about [[Entropy]] and how it grows in closed systems over time, "
             "with examples from engines and refrigerators and many more words to be long enough.\n")
    fake.script(Behavior("text", text=thinking), Behavior("text", text=f"```markdown\n{notes}```\n"))
    generation = generator_for(fake).generate_notes(lecture())
    assert fake.calls == 2, "a think block with a few words after it passed as notes"
    assert "too few to be notes" in fake.requests[1]["messages"][-1]["content"]
    assert generation.text.startswith("## Summary") and "```" not in generation.text


def untimed_lecture() -> VideoProcessingJob:
    """A plain .txt transcript whose yt-dlp sidecar names the video: a URL, but no times."""
    from tubenotes.job import SourceKind

    text = " ".join(f"Sentence {i} explains {TOPICS[i % len(TOPICS)]} with an example." for i in range(60))
    return VideoProcessingJob(url="/data/lecture.txt", video_id="file-abc", video_title="Thermodynamics",
                              transcript=text, source=SourceKind.FILE, youtube_id=VIDEO)


def test_a_transcript_without_times_gets_no_time_rules_and_prints_no_times(fake: FakeLlmServer) -> None:
    answer = {"questions": [_question(timestamp_seconds=754)]}
    fake.script(Behavior("text", text=json.dumps(answer)))
    generator = generator_for(fake)
    job = untimed_lecture()
    text = generator.generate_assessment(job).text
    generator.generate_notes(job)
    prompts_sent = "\n".join(m["content"] for r in fake.requests for m in r["messages"])
    assert "[mm:ss]" not in prompts_sent and "754 seconds" not in prompts_sent and "t=754s" not in prompts_sent
    assert "Watch:" not in text and "12:34" not in text and "1. B. b\n" in text


def test_the_overview_is_repaired_with_a_prompt_about_the_notes_not_a_transcript(fake: FakeLlmServer) -> None:
    fake.when(lambda body: "written part by part" in body["messages"][-1]["content"], Behavior("apology"))
    generator_for(fake, context_window=8192).generate_notes(lecture(minutes=180))
    [repair] = [r["messages"][-1]["content"] for r in fake.requests if "cannot be used" in r["messages"][-1]["content"]]
    assert "transcript" not in repair and "notes above" in repair


def test_tokens_of_a_failed_document_are_on_the_job(fake: FakeLlmServer) -> None:
    fake.script(Behavior("schema_violation"), Behavior("malformed_json"))
    job = lecture()
    with pytest.raises(GenerationError):
        generator_for(fake).generate_assessment(job)
    usage = job.token_usage
    assert usage.calls == 2 and usage.prompt_tokens > 0 and usage.completion_tokens > 0


def together_for(fake: FakeLlmServer, cache: Any = None, context_window: int = 128_000) -> LlmGenerator:
    """The generator as `tubenotes run` builds it: both documents of each job wanted (by default with room
    for both in one answer: 4,096 output tokens)."""
    generator = generator_for(fake, cache, context_window)
    generator.together = True
    return generator


def test_a_short_lecture_sends_its_transcript_once_for_notes_and_assessment(fake: FakeLlmServer) -> None:
    generator = together_for(fake)
    job = lecture()
    notes = generator.generate_notes(job)
    assessment = generator.generate_assessment(job)
    assert fake.calls == 1 and notes.usage.calls == 1 and assessment.usage.calls == 0
    instruction = fake.requests[0]["messages"][-1]["content"]
    assert "## Takeaways" in instruction and "10 questions" in instruction and "<assessment>" in instruction
    assert notes.text.startswith("## Summary") and "<assessment>" not in notes.text and "questions" not in notes.text
    assert "## Answer key" in assessment.text and "- A. " in assessment.text


def test_the_assessment_asked_first_leaves_the_notes_in_the_cache(fake: FakeLlmServer) -> None:
    generator = together_for(fake)
    job = lecture()
    assert "## Questions" in generator.generate_assessment(job).text
    assert generator.generate_notes(job).text.startswith("## Summary") and fake.calls == 1


@pytest.mark.parametrize("bad", ["malformed_json", "schema_violation"])
def test_a_bad_assessment_part_is_repaired_after_the_notes_and_billed_to_the_assessment(
        fake: FakeLlmServer, bad: str) -> None:
    fake.script(Behavior(bad))
    generator = together_for(fake)
    job = lecture()
    notes = generator.generate_notes(job)
    assessment = generator.generate_assessment(job)
    assert notes.text.startswith("## Summary") and "## Answer key" in assessment.text
    assert fake.calls == 2 and notes.usage.calls == 1 and assessment.usage.calls == 1
    repair = fake.requests[1]
    assert repair["messages"][:4] == fake.requests[0]["messages"]  # a follow-up: the transcript's prefix reused
    assert repair["messages"][-2]["role"] == "assistant" and "<assessment>" in repair["messages"][-2]["content"]
    assert "not valid" in repair["messages"][-1]["content"]
    assert ("malformed" if bad == "malformed_json" else "schema") in repair["messages"][-1]["content"]
    assert repair["response_format"]["type"] == "json_schema"


def test_an_answer_without_its_assessment_part_gets_it_asked_alone(fake: FakeLlmServer) -> None:
    notes = ("## Summary\n\nA lecture about [[Entropy]] and how it grows in closed systems over time, "
             "with examples from engines and refrigerators and many more words to be long enough.\n")
    fake.script(Behavior("text", text=notes))
    generator = together_for(fake)
    job = lecture()
    assert generator.generate_notes(job).text.startswith("## Summary")
    assert "## Answer key" in generator.generate_assessment(job).text
    assert "no <assessment> part" in fake.requests[1]["messages"][-1]["content"] and fake.calls == 2


def test_bad_notes_in_a_together_answer_are_asked_again_with_both_parts(fake: FakeLlmServer) -> None:
    fake.script(Behavior("apology"))
    generator = together_for(fake)
    job = lecture()
    notes = generator.generate_notes(job)
    assert "sorry" not in notes.text.lower() and "## Answer key" in generator.generate_assessment(job).text
    assert fake.calls == 2 and "<assessment>" in fake.requests[1]["messages"][-1]["content"]


def test_a_chunked_lecture_sends_each_part_once_and_takes_its_questions_from_the_parts(fake: FakeLlmServer) -> None:
    job = lecture(minutes=180)
    generator = together_for(fake, context_window=8192)
    notes = generator.generate_notes(job)
    assessment = generator.generate_assessment(job)
    parts = [r for r in fake.requests if "This is part" in r["messages"][-1]["content"]]
    assert len(parts) > 3 and all("<assessment>" in r["messages"][-1]["content"] for r in parts)
    assert fake.calls == len(parts) + 1 and assessment.usage.calls == 0  # the parts, then the overview
    sent = "\n".join(r["messages"][1]["content"] for r in parts)
    assert [i for i in range(len(job.segments)) if sent.count(f"L{i:04d} ") != 1] == []  # each line once
    for request in fake.requests:
        assert sum(estimate_tokens(m["content"]) for m in request["messages"]) + request["max_tokens"] <= 8192
    assert notes.text.startswith("## Summary") and notes.text.count("## Topic at") >= len(parts)
    assert assessment.text.count("### Question") >= len(parts)


def test_an_answer_too_long_for_the_output_limit_is_asked_as_two_documents(fake: FakeLlmServer) -> None:
    generator = together_for(fake)
    generator.settings = dataclasses.replace(generator.settings, max_output_tokens=1000)
    job = lecture(minutes=60)
    generator.generate_notes(job)
    generator.generate_assessment(job)
    assert fake.calls == 2 and all("<assessment>" not in r["messages"][-1]["content"] for r in fake.requests)
