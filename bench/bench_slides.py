"""The slides stage's speed, memory and accuracy on generated 720p lectures.

    python bench/bench_slides.py [--slides 60] [--seconds-per-slide 10] [--fps 10]

Two videos are made with tubenotes.testing.synthetic_slides: the six-slide
lecture of the tests (one slide built bullet by bullet), and a long one of
``--slides`` slides (default 60) of one template, every slide's title and
bullets its own, with a speaker inset drifting across the frame all along.
Both are 1280 x 720 H.264 with a keyframe every two seconds (and one at each
slide change, as an encoder's scene cut puts there), as YouTube serves 720p.

Each reading runs in a fresh process, so its peak resident memory is the
stage's alone. The time is split into decoding (keyframes, as a pass of its
own), detection (the rest of the reading), pictures (each slide's picture
made, encoded and checkpointed) and OCR (each slide read). Seconds per hour
scale decoding and detection by the video's length, pictures and OCR to
sixty slides an hour: the long video is shorter than an hour, and its slides
come faster than a lecture's.
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
SLIDES_PER_HOUR = 60
TOPICS = ("Energy Entropy Enthalpy Temperature Pressure Volume Work Heat Gases Liquids Solids Phases Cycles Engines "
          "Pumps Refrigerators Equilibrium Kinetics Diffusion Radiation Conduction Convection Waves Optics Fields "
          "Charges Currents Circuits Magnets Induction").split()


def long_lecture(count: int, seconds: float) -> list:
    from tubenotes.testing.synthetic_slides import SlideSpec

    slides = []
    for number in range(count):
        topic = f"{TOPICS[number % len(TOPICS)]} {number // len(TOPICS) + 1}"
        slides.append(SlideSpec(f"Part {number + 1}: {topic}", [f"What {topic.lower()} means", "Where it comes from",
                                                                f"Example {number + 1}"], seconds=seconds))
    return slides


def measure(video: Path) -> dict:
    """One reading of ``video`` in this process: what the child prints for the parent."""
    sys.path.insert(0, str(ROOT / "bench"))
    from peak_rss import peak_rss_mib

    from tubenotes.slides import extract
    from tubenotes.slides.frames import keyframes
    from tubenotes.slides.ocr import SlideReader

    class TimedReader(SlideReader):
        seconds = 0.0

        def read(self, picture):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return super().read(picture)
            finally:
                TimedReader.seconds += time.perf_counter() - started

    kept = {"seconds": 0.0, "slides": 0}
    keep = extract._keep

    def timed_keep(*args):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return keep(*args)
        finally:
            kept["seconds"] += time.perf_counter() - started
            kept["slides"] += 1

    extract._keep = timed_keep  # each slide's picture, OCR, encoding and checkpoint
    reader = TimedReader()
    started = time.perf_counter()
    reader._load()
    load = time.perf_counter() - started
    started = time.perf_counter()
    count = sum(1 for _ in keyframes(video))
    decode = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="bench-slides-") as folder:
        started = time.perf_counter()
        slides = extract.read_slides(video, Path(folder) / "staged", reader, Path(folder))
        total = time.perf_counter() - started
        sizes = [(Path(folder) / slide.picture).stat().st_size for slide in slides]
    return {"keyframes": count, "decode": decode, "ocr": TimedReader.seconds, "total": total,
            "detect": max(0.0, total - decode - kept["seconds"]), "pictures": kept["seconds"] - TimedReader.seconds,
            "readings": kept["slides"], "load": load, "titles": [slide.title for slide in slides],
            "largest_kb": max(sizes, default=0) / 1000, "peak_mib": peak_rss_mib()}


def read_in_child(video: Path) -> dict:
    child = subprocess.run([sys.executable, __file__, "--child", str(video)], capture_output=True, text=True,
                           check=True)
    return json.loads(child.stdout.strip().splitlines()[-1])


def report(name: str, shown: list, figures: dict, duration: float) -> dict:
    titles = [slide.title for slide in shown]
    found = figures["titles"]
    right = sum(1 for title in found if title in titles)
    per_hour = 3600 / duration
    readings = max(1, figures["readings"])
    hour = {"decode": figures["decode"] * per_hour, "detect": figures["detect"] * per_hour,
            "pictures": figures["pictures"] / readings * SLIDES_PER_HOUR,
            "ocr": figures["ocr"] / readings * SLIDES_PER_HOUR}
    print(f"{name}: {len(titles)} slides shown in {duration:.0f} s, {len(found)} found ({right} with the right "
          f"title), {figures['keyframes']} keyframes")
    print(f"  measured: decode {figures['decode']:.1f} s, detect {figures['detect']:.1f} s, pictures "
          f"{figures['pictures']:.1f} s, OCR {figures['ocr']:.1f} s ({figures['ocr'] / readings:.2f} s a slide), "
          f"OCR load {figures['load']:.1f} s; largest picture {figures['largest_kb']:.0f} kB; "
          f"peak {figures['peak_mib']:.0f} MiB")
    print(f"  per hour of 720p lecture: decode {hour['decode']:.0f} s + detect {hour['detect']:.0f} s + pictures "
          f"{hour['pictures']:.0f} s + OCR {hour['ocr']:.0f} s ({SLIDES_PER_HOUR} slides) = {sum(hour.values()):.0f} s")
    return {"shown": len(titles), "found": len(found), "right": right, "per_hour": sum(hour.values()), **hour,
            "peak_mib": figures["peak_mib"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slides", type=int, default=60)
    parser.add_argument("--seconds-per-slide", type=float, default=10.0)
    parser.add_argument("--fps", type=int, default=10)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return
    sys.path.insert(0, str(ROOT))
    from tests.test_slides import SLIDES
    from tubenotes.testing.synthetic_slides import make_lecture_video

    with tempfile.TemporaryDirectory(prefix="bench-slides-") as folder:
        results = {}
        for name, specs in (("six-slide lecture", [s.__class__(s.title, s.bullets, "", s.build, 8.0) for s in SLIDES]),
                            (f"{args.slides}-slide lecture", long_lecture(args.slides, args.seconds_per_slide))):
            video = Path(folder) / "lecture.mp4"
            started = time.perf_counter()
            shown = make_lecture_video(specs, video, size=(1280, 720), fps=args.fps, sound=False)
            print(f"({name}: made in {time.perf_counter() - started:.0f} s, {video.stat().st_size / 1e6:.1f} MB)")
            results[name] = report(name, shown, read_in_child(video), shown[-1].end)
        long = results[f"{args.slides}-slide lecture"]
        print(f"slides_found_six={results['six-slide lecture']['found']}/6 slides_found_long={long['found']}/"
              f"{long['shown']} seconds_per_hour={long['per_hour']:.0f} peak_mib={long['peak_mib']:.0f}")


if __name__ == "__main__":
    main()
