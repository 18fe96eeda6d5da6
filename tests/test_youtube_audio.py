"""Errors on the way to a video's audio, and the audio kept between runs."""

from __future__ import annotations

import json
import sysconfig
import threading
from pathlib import Path

import pytest

from yt_dlp.utils import DownloadError, ExtractorError

from tubenotes.sources.youtube_audio import deno_path, kept_audio, remove_audio
from tubenotes.sources.youtube_errors import NoAudioStreamError, translate_ytdlp_error


def test_a_video_without_formats_has_no_audio_stream_even_when_the_cause_is_a_message() -> None:
    # yt-dlp puts a plain message in ``cause`` at times; following it as an exception crashed the job.
    error = DownloadError("ERROR: [youtube] abc: No video formats found!",
                          exc_info=(ExtractorError, ExtractorError("No video formats found!", cause="a message"), None))
    translated = translate_ytdlp_error(error, "abcdefghijk")
    assert isinstance(translated, NoAudioStreamError) and "recording or a transcript file" in str(translated)


def test_audio_is_kept_only_with_its_info_and_removed_after(tmp_path: Path) -> None:
    (tmp_path / "abcdefghijk.webm").write_bytes(b"audio")
    assert kept_audio("abcdefghijk", tmp_path) is None  # no info file: the download may not be whole
    info = {"title": "A Lecture", "chapters": [{"start_time": 0, "title": "Start"}], "language": "en",
            "audio_file": "abcdefghijk.webm"}
    (tmp_path / "abcdefghijk.info.json").write_text(json.dumps(info))
    kept = kept_audio("abcdefghijk", tmp_path)
    assert kept is not None and kept.metadata.title == "A Lecture" and kept.language == "en"
    assert [chapter.title for chapter in kept.metadata.chapters] == ["Start"]
    remove_audio("abcdefghijk", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_two_downloads_starting_at_once_both_find_deno(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.11's sysconfig publishes its variables before it has filled them in (CPython gh-92452):
    a second thread looking deno up meanwhile found no "EXE" and failed with a TypeError."""
    expected = deno_path()  # its path, or None where this environment has no binary: the same either way
    filling, may_finish = threading.Event(), threading.Event()
    fill = sysconfig._init_posix

    def slow_fill(variables: dict) -> None:
        filling.set()  # the first lookup is inside sysconfig's first use, its variables still empty
        may_finish.wait(timeout=10)
        fill(variables)

    monkeypatch.setattr(sysconfig, "_CONFIG_VARS", None)  # as in a process where nothing asked yet
    monkeypatch.setattr(sysconfig, "_init_posix", slow_fill)
    found: dict[str, object] = {}

    def look_up(name: str) -> None:
        try:
            found[name] = deno_path()
        except Exception as exc:
            found[name] = exc

    first = threading.Thread(target=look_up, args=("first",))
    second = threading.Thread(target=look_up, args=("second",))
    first.start()
    assert filling.wait(timeout=10)
    second.start()
    second.join(timeout=1)  # before the fix it failed here, while the first was still filling
    may_finish.set()
    first.join(timeout=10)
    second.join(timeout=10)
    assert found == {"first": expected, "second": expected}
