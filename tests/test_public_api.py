"""The package's public surface is stated once, in ``tubenotes.__all__``."""

from __future__ import annotations

import inspect
import types

import tubenotes

SEED_NAMES = {
    "VideoProcessingJob", "ProcessingStage", "TorExitNodePool", "fetch_transcript_and_title",
    "generate_notes_and_assessment", "write_files", "export_pdfs", "process_video_pipeline",
}
SEED_JOB_METHODS = {
    "has_transcript", "has_notes", "has_assessment", "has_files_written", "has_pdfs_exported", "set_stage",
    "mark_completed", "mark_failed", "get_youtube_url", "get_markdown_content", "get_summary",
}


def test_all_lists_exactly_the_public_names() -> None:
    for name in tubenotes.__all__:  # imported on first use
        getattr(tubenotes, name)
    public = {
        name for name, value in vars(tubenotes).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
        and (inspect.isclass(value) or inspect.isfunction(value))
    }
    assert public == set(tubenotes.__all__)
    assert len(tubenotes.__all__) == len(set(tubenotes.__all__))


def test_the_seed_names_are_all_there() -> None:
    assert SEED_NAMES <= set(tubenotes.__all__)
    job = tubenotes.VideoProcessingJob(url="u", video_id="abcdefghijk")
    assert all(callable(getattr(job, method)) for method in SEED_JOB_METHODS)
    assert {"timings", "exit_node_id", "exit_node_acquired_at", "transcript_data", "study_notes",
            "assessment_content", "notes_filepath", "assessment_filepath", "notes_pdf_path",
            "assessment_pdf_path", "output_dir", "pdf_subdir"} <= set(dir(job))
