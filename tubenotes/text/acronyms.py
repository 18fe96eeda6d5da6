"""Acronyms that auto-captions write in lower case ("atp", "nadh", "fadh2", "dna"), given their capitals back.

A caption has no capitals, so "atp" cannot say it is "ATP". What still says
so is its shape: a short word that mixes letters and digits ("fadh2", "co2"),
or one that no English word could be, because it has no vowel ("pcr") or its
consonants could not open or close an English syllable ("dn" of "dna", "tp"
of "atp", "dh" of "nadh", "dp" of "adp"). Words that are words keep their
letters: on the punctuated thermodynamics course, the physics example and
the waves and enzymes lectures, no word written in lower case there passes
this test (tests/test_acronyms.py). An acronym that looks like a word
("coa", "nad", "fad") is found only when the same text has it as the start of
one found by shape ("nad" of "nadh", "fad" of "fadh2"), or after a word that
names what it is part of ("acetyl coa").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_LETTERS = 6
_VOWELS = "aeiouy"
# Consonant clusters that open an English syllable (a word's start) ...
_ONSETS = frozenset("""
b c d f g h j k l m n p q r s t v w x z
bl br ch chr cl cr dr dw fl fr gh gl gn gr kh kl kn kr ph phr pl pr ps qu sc sch scr sh shr sk sl sm sn sp sph
spl spr sq rh cz chl scl
st str sw th thr tr ts tw wh wr
""".split())
# ... and that close one (a word's end), each also with a plural's "s".
_CODAS = frozenset(coda + plural for coda in """
b c d f g h k l m n p r s t v w x z
bb ch ck ct dd dth ff fth ft gg gh ght gn lch ld lf lk ll lm lp lt lth mb mn mp nc nch nck nd ng ngth nk nt nth nx
ph pt rb rc rch rd rf rg rgh rk rl rld rm rn rp rsh rst rt rth rtz sch sh sk sp ss st tch th tt tz wl wn wth xt
xth zz bt wd pth lst sm ghth sc lph nn thm rnt yd dst mpt cht rmth rr lb hn dnt snt nth rsch pp wk lsh kh nz ltz rx mt j wg mm rnst
""".split() for plural in ("", "s"))
# Sounds, symbols and abbreviations that are no acronyms: "ln" is read as the natural logarithm.
_NOT_ACRONYMS = frozenset("""
etc mrs hmm hmmm hm mm mmm mhm umm uhh ahh ahhh ohh ohhh aww shh sh psst pfft tsk brr grr zzz ssh ln
""".split())
# Words naming what a word-like acronym after them is part of: "acetyl coa".
_PARTS = {"acetyl": "coa", "succinyl": "coa", "malonyl": "coa"}
_WORD = re.compile(r"(?<![\w'-])([a-z][a-z0-9]*)(?![\w'-])")
_LETTERS_AND_DIGITS = re.compile(r"^(?=.*[a-z])(?=.*\d)[a-z0-9]+$")
_CLUSTERS = re.compile(r"[^aeiouy]+")


def is_acronym(word: str) -> bool:
    """Whether the lower-case ``word`` cannot be an English word by its shape: an acronym or a formula."""
    if not 2 <= len(word) <= MAX_LETTERS or word in _NOT_ACRONYMS or not word.isascii():
        return False
    if _LETTERS_AND_DIGITS.match(word):
        return not word[0].isdigit() and not word.endswith(("st", "nd", "rd", "th"))  # "3rd", "4th"
    if not word.isalpha():
        return False
    if not any(letter in _VOWELS for letter in word):
        return True
    onset = _CLUSTERS.match(word)
    if onset and onset.group() not in _ONSETS:
        return True
    coda = re.search(r"[^aeiouy]+$", word)
    return bool(coda and coda.group() not in _CODAS)


def acronyms_in(words: Iterable[str]) -> frozenset[str]:
    """The acronyms among ``words`` (lower case): those that are by shape, those that start one of them, and
    those named by the word before them."""
    seen = list(words)
    found = {word for word in seen if is_acronym(word)}
    found |= {word for word in set(seen) - found
              if 2 <= len(word) < MAX_LETTERS and word.isalpha()
              and any(other.startswith(word) and len(other) - len(word) <= 2 for other in found)
              and len(word) >= 3}
    found |= {word for before, word in zip(seen, seen[1:]) if _PARTS.get(before) == word}
    return frozenset(found)


def restore_acronyms(text: str, acronyms: frozenset[str]) -> str:
    """``text`` with each of ``acronyms`` written in capitals."""
    if not acronyms:
        return text
    return _WORD.sub(lambda match: match.group(1).upper() if match.group(1) in acronyms else match.group(1), text)
