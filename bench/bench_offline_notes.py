"""How the offline notes read: dangling bullets, units among key terms, spoken formulas as LaTeX, caption
bullets that are sentences, concept notes that open with a definition, and the time for a one-hour lecture.

    python bench/bench_offline_notes.py

Runs `tubenotes run FOLDER --model offline --no-pdf --no-anki` in a fresh
vault on the bundled examples, on the project's thermodynamics course, and on
that course turned into auto-captions (lower case, no punctuation, cues of
eight words, no pauses: the hardest case), then reads the notes as a student
would. Every check here is the bench's own, made of small word lists, not the
generator's code, so the same script measures any version (run it with
PYTHONPATH set to an older checkout for the figures before):

- dangling: a bullet of the summary or the sections whose first word is a
  connective or points back ("So", "And", "This", "Because", "It", "Deshalb",
  "Por eso"...), so it needs the sentence before it;
- units: key terms whose last word is a unit (kelvin, joules, kilogram...);
- formulas: bullets that read a formula aloud (a single letter next to
  "equals", "squared", "over", "times", "plus", "minus", or "one half"), and
  how many of them have a LaTeX formula ($...$) beside them;
- caption sentences: bullets of the caption inputs that begin with a capital,
  end with a full stop, do not open with a dangling word or end on a word that
  needs the next ("the", "of", "and"), and have 5 to 40 words; and how many of
  the course's true sentence ends the caption splitter finds again, with how
  many of its cuts are right (precision, recall), the same on two lectures
  besides the course (waves, enzymes), and how many of its cuts fall at a
  sentence's end or at a comma, semicolon or colon (a clause that reads as a
  sentence);
- concept notes: those whose first line under the title defines the concept
  ("Entropy is ...", "For an ideal gas, constant temperature means ...",
  "... is called entropy", "define a new function, the enthalpy", a symbol's
  formula "the Gibbs free energy, G equals ..."; not "Entropy is one of those
  words ..."); and, as the ceiling the generator offers, the concepts for which
  `defining_sentence` finds such a sentence in a lecture of the course; then
  those whose first line defines or explains it (the concept, or a property of
  it, as the subject of a verb: "The hot reservoir loses ...");
- acronyms: words the course and the waves and enzymes lectures write in
  lower case that the version under test would write in capitals in captions
  ("atp" as "ATP"), out of all such words;
- time: notes and assessment of the one-hour Physics example, best of five,
  in CPU seconds (the wall clock of a shared machine says more about the others),
  and of the same lecture as auto-captions.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "tests" / "data" / "thermodynamics"
EXAMPLES = ROOT / "examples"
HOUR = EXAMPLES / "Physics" / "intro_to_thermodynamics.en.vtt"
LECTURES = ROOT / "tests" / "data" / "lectures"

DANGLING = frozenset("""
so and but or because then also now okay well this these those that it its they them their he she here which
therefore thus hence otherwise instead such basically actually anyway alright
also und aber dann dies diese dieser deshalb daher darum weil denn dabei
entonces y pero porque esto eso esta este así bueno pues
donc et mais alors cela ceci ça car parce
""".split())
DANGLING_PHRASES = ("that's why", "por eso", "c'est pourquoi", "it's ", "that's ")
BINDING_END = frozenset("the a an of to and or but in on at for with from by is are was were your our their my "
                        "that which this these".split())
UNITS = re.compile(r"^(?:kilo|mega|giga|milli|micro|nano|centi)?(?:meter|metre|gram|joule|watt|newton|pascal"
                   r"|kelvin|volt|ampere|ohm|hertz|coulomb|liter|litre|calorie|celsius|fahrenheit|mole|second"
                   r"|degree)s?$", re.IGNORECASE)
SPOKEN_FORMULA = re.compile(r"(?<![\w'])(?![aAI]\b)[A-Za-z](?![\w'])\s+(?:\w+\s+)?(?:equals|squared|over|times|plus"
                            r"|minus)\b|\b(?:equals|over|times|plus|minus)\s+(?:minus\s+)?(?![aAI]\b)[A-Za-z](?![\w'])"
                            r"|\bone half [a-z] ", re.IGNORECASE)

STAMP = re.compile(r"^\[[\d:]+\](?:\([^)]*\))?\s*")
SECTION = re.compile(r"^## (.*)$")


@dataclass
class Reading:
    bullets: list[str] = field(default_factory=list)
    key_terms: list[str] = field(default_factory=list)
    concept_openings: list[str] = field(default_factory=list)
    concepts: list[str] = field(default_factory=list)


def run(folder: Path, pythonpath: str | None) -> Reading:
    with tempfile.TemporaryDirectory() as vault:
        env = {**os.environ, "TUBENOTES_MODEL": "offline"}
        if pythonpath:
            env["PYTHONPATH"] = pythonpath
        subprocess.run([sys.executable, "-m", "tubenotes", "run", str(folder), "--vault", vault, "--quiet",
                        "--no-pdf", "--no-anki"], check=True, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, cwd=vault)  # not this checkout: PYTHONPATH chooses the version
        return read(Path(vault))


def read(vault: Path) -> Reading:
    reading = Reading()
    for path in sorted(vault.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        kind = re.search(r"^type: (\w+)", text, re.M)
        if kind and kind.group(1) == "notes":
            _read_notes(text, reading)
        elif kind and kind.group(1) == "concept":
            body = text.split("\n---\n", 1)[-1]
            lines = [line for line in body.splitlines() if line.strip() and not line.startswith("#")]
            reading.concepts.append(path.stem)
            reading.concept_openings.append(lines[0] if lines else "")
    return reading


def _read_notes(text: str, reading: Reading) -> None:
    heading_number = 0
    for line in text.split("\n---\n", 1)[-1].splitlines():
        if SECTION.match(line):
            heading_number += 1
        elif line.startswith("- ") and heading_number:
            item = STAMP.sub("", line[2:])
            if heading_number == 2:  # the key terms: "[[term]]: definition" or "term (stamp)"
                link = re.match(r"\[\[(?:[^\]|]*\|)?([^\]]+)\]\]", item)
                reading.key_terms.append(link.group(1) if link else re.split(r" \(|: ", item)[0])
            elif heading_number in (1, 3):  # the summary and the sections
                reading.bullets.append(item)


def dangling(bullet: str) -> bool:
    said = bullet.split(" → ")[0].strip().casefold()
    first = re.split(r"[\s,]", said, maxsplit=1)[0]
    return first in DANGLING or said.startswith(DANGLING_PHRASES)


def sentence_like(bullet: str) -> bool:
    said = bullet.split(" → ")[0].strip().replace("\\", "")
    words = said.split()
    return (5 <= len(words) <= 40 and said[:1].isupper() and said.endswith((".", "!", "?"))
            and not dangling(said) and words[-1].rstrip(".!?").casefold() not in BINDING_END)


def unit(term: str) -> bool:
    return bool(UNITS.match(term.split()[-1])) if term.split() else False


def as_captions(sources: list[Path], target: Path) -> tuple[set[int], set[int]]:
    """Lectures as YouTube's generated captions (JSON), where their sentences end and where a comma, a
    semicolon or a colon closes a clause (word counts from the first lecture's start)."""
    import json

    ends_all: set[int] = set()
    clauses_all: set[int] = set()
    offset = 0
    for number, path in enumerate(sources):
        words, ends, clauses = [], set(), set()
        for raw in path.read_text(encoding="utf-8").split():
            bare = re.sub(r"[^\w'-]", "", raw).lower()
            if bare:
                words.append(bare)
                if re.search(r"[.!?]['\")]*$", raw):
                    ends.add(len(words))
                elif re.search(r"[,;:]['\")]*$", raw):
                    clauses.add(len(words))
        cues = [{"text": " ".join(words[i:i + 8]), "start": round(i / 2.5, 2), "duration": round(8 / 2.5, 2)}
                for i in range(0, len(words), 8)]
        (target / f"{number:02d}_{path.stem.split('.')[0]}.en.json").write_text(json.dumps(cues), encoding="utf-8")
        ends_all |= {offset + end for end in ends if end < len(words)}
        clauses_all |= {offset + end for end in clauses}
        offset += len(words)
    return ends_all, clauses_all


def boundaries(folder: Path, truth: set[int], clauses: set[int],
               pythonpath: str | None) -> tuple[float, float, float] | None:
    """Precision and recall of the caption splitter's sentence ends, run in the version under test, and the share
    of its cuts at a sentence's or a clause's end."""
    code = (
        "import json,sys,pathlib\n"
        "from tubenotes.job import TranscriptSegment\n"
        "from tubenotes.generate.sentences import split_sentences\n"
        "cuts=set(); offset=0\n"
        "for p in sorted(pathlib.Path(sys.argv[1]).glob('*.json')):\n"
        "    cues=json.loads(p.read_text())\n"
        "    segs=[TranscriptSegment(c['start'], c['duration'], c['text']) for c in cues]\n"
        "    sents=split_sentences(' '.join(c['text'] for c in cues), segs); n=0\n"
        "    for s in sents[:-1]:\n"
        "        n+=len(s.text.split()); cuts.add(offset+n)\n"
        "    offset+=sum(len(c['text'].split()) for c in cues)\n"
        "print(json.dumps(sorted(cuts)))\n"
    )
    env = {**os.environ, **({"PYTHONPATH": pythonpath} if pythonpath else {})}
    result = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, env=env,
                            cwd=tempfile.gettempdir())
    if result.returncode:
        return None
    import json

    cuts = set(json.loads(result.stdout))
    right = len(cuts & truth)
    return right / max(len(cuts), 1), right / max(len(truth), 1), len(cuts & (truth | clauses)) / max(len(cuts), 1)


def hour_seconds(pythonpath: str | None, captions: bool = False) -> float:
    """CPU seconds for the one-hour lecture, or for it as auto-captions (cues of eight lower-case words)."""
    code = (
        "import sys,time,pathlib,re\n"
        "from tubenotes.job import VideoProcessingJob, SourceKind, TranscriptSegment\n"
        "from tubenotes.sources.formats import parse_transcript\n"
        "from tubenotes.generate.offline import OfflineGenerator\n"
        "p=pathlib.Path(sys.argv[1]); t=parse_transcript(p.read_text(), '.vtt'); text, segs=t.text, list(t.segments)\n"
        "if sys.argv[2]=='captions':\n"
        "    w=[x for x in (re.sub(r\"[^\\w'-]\", '', r).lower() for r in text.split()) if x]\n"
        "    segs=[TranscriptSegment(i/2.5, 3.2, ' '.join(w[i:i+8])) for i in range(0, len(w), 8)]; text=' '.join(w)\n"
        "job=VideoProcessingJob(url=str(p), video_id='file-hour', source=SourceKind.FILE, transcript=text,\n"
        "                       segments=segs, video_title='Lecture')\n"
        "best=1e9\n"
        "for _ in range(5):\n"
        "    g=OfflineGenerator(); a=time.process_time(); g.generate_notes(job); g.generate_assessment(job)\n"
        "    best=min(best, time.process_time()-a)\n"
        "print(best)\n"
    )
    env = {**os.environ, **({"PYTHONPATH": pythonpath} if pythonpath else {})}
    result = subprocess.run([sys.executable, "-c", code, str(HOUR), "captions" if captions else "text"],
                            capture_output=True, text=True, env=env,
                            cwd=tempfile.gettempdir(),
                            check=True)
    return float(result.stdout)


def acronym_mistakes(pythonpath: str | None) -> str:
    """Words the course and the waves and enzymes lectures write in lower case that the version under test would
    write in capitals were they captions, out of the distinct words."""
    code = (
        "import sys,re,pathlib\n"
        "from tubenotes.text.acronyms import acronyms_in\n"
        "said=[w for p in sys.argv[1:] for w in re.findall(r\"[\\w'-]+\", pathlib.Path(p).read_text())]\n"
        "found=acronyms_in(w.casefold() for w in said)\n"
        "lower={w for w in said if w.islower()}\n"
        "print(f'{len(lower & found)}/{len(lower)}', sorted(lower & found)[:5] or '')\n"
    )
    env = {**os.environ, **({"PYTHONPATH": pythonpath} if pythonpath else {})}
    paths = [*sorted(COURSE.glob("*.txt")), LECTURES / "waves.en.txt", LECTURES / "enzymes.en.txt"]
    result = subprocess.run([sys.executable, "-c", code, *map(str, paths)], capture_output=True, text=True, env=env,
                            cwd=tempfile.gettempdir())
    return result.stdout.strip() if result.returncode == 0 else "- (no acronyms restored)"


def possible_definitions(concepts: list[str]) -> str:
    """How many concepts a lecture of the course defines, by the generator's own defining_sentence."""
    try:
        from tubenotes.generate.definitions import defining_sentence
    except ImportError:
        return "-"
    texts = [path.read_text(encoding="utf-8") for path in sorted(COURSE.glob("*.txt"))]
    found = sum(any(defines(s, concept) for text in texts if (s := defining_sentence(concept, text)))
                for concept in concepts)
    return f"{found}/{len(concepts)}"


def defines(line: str, concept: str) -> bool:
    """Whether ``line`` defines ``concept``: opens with it and "is", "means", "says"..., or names it
    ("... is called the enthalpy", "we call this entropy", "entropy, which means")."""
    text = line.strip().lstrip("> “\"").rstrip("”\"").casefold()
    name = re.escape(concept.casefold().removesuffix("s"))
    return bool(re.match(rf"(?:[^,]{{1,40}},\s+)?(?:(?:an?|the)\s+)?{name}s?\b(?:,[^,]*,)?\s+(?:is|are|means"
                         rf"|refers|says|states|describes|measures)\b(?! one of those)", text)
                or re.search(rf"\bthe {name}, [a-z] equals\b", text)
                or re.search(rf"\b(?:called|call|known as|named)\s+(?:[\w-]+\s+){{0,3}}{name}\b", text)
                or re.search(rf"\bdefined? an? (?:new )?[\w\s-]+, the {name}\b|\bthe definition of {name}\b", text)
                or re.search(rf"\b{name}s?, which (?:means|is)\b", text))


def explains(line: str, concept: str) -> bool:
    """Whether ``line`` quotes a sentence with ``concept`` (or a property of it) as its subject and a verb after it:
    "The hot reservoir loses entropy ...", "The internal energy of an ideal gas depends ..."."""
    text = line.strip().lstrip("> “\"").casefold()
    name = re.escape(concept.casefold().removesuffix("s"))
    return bool(re.match(rf"(?:(?:an?|the)\s+)?(?:[\w-]+\s+){{0,3}}?(?:of (?:an?|the)\s+)?{name}s?\s+\w+", text))


def share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "-"


def main() -> None:
    pythonpath = os.environ.get("PYTHONPATH")
    examples, course = run(EXAMPLES, pythonpath), run(COURSE, pythonpath)
    with tempfile.TemporaryDirectory() as folder:
        truth, clauses = as_captions(sorted(COURSE.glob("*.txt")), Path(folder))
        captions = run(Path(folder), pythonpath)
        found = boundaries(Path(folder), truth, clauses, pythonpath)
    with tempfile.TemporaryDirectory() as folder:
        truth, clauses = as_captions([LECTURES / "waves.en.txt", LECTURES / "enzymes.en.txt"], Path(folder))
        found_elsewhere = boundaries(Path(folder), truth, clauses, pythonpath)
    biology = Reading()
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "cellular_respiration.en.json").write_bytes(
            (EXAMPLES / "Biology" / "cellular_respiration.en.json").read_bytes())
        biology = run(Path(folder), pythonpath)

    bullets = examples.bullets + course.bullets
    terms = examples.key_terms + course.key_terms
    spoken = [b for b in bullets if SPOKEN_FORMULA.search(b.split(" → ")[0])]
    caption_bullets = captions.bullets + biology.bullets
    print(f"{'bullets opening with a dangling word':<48}{share(sum(map(dangling, bullets)), len(bullets))}")
    print(f"{'unit words among key terms':<48}{share(sum(map(unit, terms)), len(terms))}")
    print(f"{'spoken formulas written as LaTeX':<48}{share(sum('$' in b for b in spoken), len(spoken))}")
    print(f"{'auto-caption bullets that read as sentences':<48}"
          f"{share(sum(map(sentence_like, caption_bullets)), len(caption_bullets))}")
    if found and found_elsewhere:
        print(f"{'caption sentence ends found (precision, recall)':<48}{found[0]:.2f}, {found[1]:.2f}")
        print(f"{'... in the waves and enzymes lectures':<48}{found_elsewhere[0]:.2f}, {found_elsewhere[1]:.2f}")
        print(f"{'caption cuts at a sentence or clause end':<48}{found[2]:.2f}   (waves, enzymes: "
              f"{found_elsewhere[2]:.2f})")
    defined = sum(defines(line, name) for line, name in zip(course.concept_openings, course.concepts))
    explained = sum(defines(line, name) or explains(line, name)
                    for line, name in zip(course.concept_openings, course.concepts))
    print(f"{'concept notes that open with a definition':<48}{share(defined, len(course.concepts))}"
          f"   (a lecture defines {possible_definitions(course.concepts)})")
    print(f"{'... with a definition or an explanation':<48}{share(explained, len(course.concepts))}")
    print(f"{'lower-case words taken for acronyms':<48}{acronym_mistakes(pythonpath)}")
    print(f"{'one-hour lecture, notes and assessment':<48}{hour_seconds(pythonpath):.2f} s")
    print(f"{'... the same lecture as auto-captions':<48}{hour_seconds(pythonpath, captions=True):.2f} s")


if __name__ == "__main__":
    main()
