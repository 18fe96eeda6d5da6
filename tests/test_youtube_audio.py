"""Errors on the way to a video's audio, and the audio kept between runs."""

from __future__ import annotations

import json
from pathlib import Path

from yt_dlp.utils import DownloadError, ExtractorError

from tubenotes.sources.youtube_audio import kept_audio, remove_audio
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
