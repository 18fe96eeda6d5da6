"""Whisper's speed and memory on a synthesised lecture: real-time factor and peak memory.

    python bench/bench_whisper.py [--minutes 10] [--model tiny.en] [--device cpu] [--threads 2]

The lecture is the bundled Physics example's transcript, spoken by espeak-ng
(150 words a minute) and encoded as AAC in MP4, as a recording comes. Each
measurement runs in a fresh process, so that its peak resident memory is the
transcription's alone (model, decoded audio, decoder state). The real-time
factor is seconds of audio per second of compute, decoding included; the
word error rate against the script shows what the speed buys.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "Physics" / "intro_to_thermodynamics.en.vtt"
WORDS_PER_MINUTE = 150


def script(minutes: float) -> str:
    """The example lecture's first words, as many as espeak-ng says in ``minutes``."""
    from tubenotes.sources.local import LocalTranscriptFile

    words = LocalTranscriptFile(EXAMPLE).get_transcript("")["transcript"].split()
    return " ".join(words[: int(minutes * WORDS_PER_MINUTE)])


def measure(media: Path, model: str, device: str, threads: int) -> dict:
    """One transcription in this process: what the child prints for the parent."""
    from peak_rss import peak_rss_mib
    from tubenotes.sources.speech import SpeechTranscriber

    transcriber = SpeechTranscriber(model, device, workers=1, cpu_threads=threads)
    loaded = time.perf_counter()
    _ = transcriber.model
    load_seconds = time.perf_counter() - loaded
    started = time.perf_counter()
    result = transcriber.transcribe(media, "en")
    compute = time.perf_counter() - started
    return {"audio": result["duration"], "compute": compute, "load": load_seconds, "text": result["transcript"],
            "describe": transcriber.describe(), "peak_mib": peak_rss_mib()}


def transcribe_lecture(minutes: float, model: str = "tiny.en", device: str = "cpu", threads: int = 2) -> dict:
    """A lecture of ``minutes`` synthesised, then transcribed in a fresh process: its figures."""
    from tubenotes.testing.synthetic_speech import speak, word_error_rate

    text = script(minutes)
    with tempfile.TemporaryDirectory(prefix="bench-whisper-") as folder:
        media = Path(folder) / "lecture.mp4"
        speak(text, media, WORDS_PER_MINUTE)
        child = subprocess.run([sys.executable, __file__, "--child", str(media), "--model", model,
                                "--device", device, "--threads", str(threads)],
                               capture_output=True, text=True, check=True)
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    return {**figures, "words": len(text.split()), "real_time_factor": figures["audio"] / figures["compute"],
            "wer": word_error_rate(text, figures["text"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.model, args.device, args.threads)))
        return
    figures = transcribe_lecture(args.minutes, args.model, args.device, args.threads)
    print(f"model {figures['describe']}, {args.threads} threads, {figures['words']} words spoken by espeak-ng")
    print(f"{'audio s':>8} {'compute s':>10} {'x real time':>12} {'peak MiB':>9} {'load s':>7} {'WER':>6}")
    print(f"{figures['audio']:8.1f} {figures['compute']:10.1f} {figures['real_time_factor']:12.1f} "
          f"{figures['peak_mib']:9.0f} {figures['load']:7.2f} {figures['wer']:6.1%}")


if __name__ == "__main__":
    main()
