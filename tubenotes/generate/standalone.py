"""Sentences that stand alone: what a note can quote without the sentence before it.

Speech strings its sentences together. A sentence that opens with a filler
connective ("So, ...", "And now ...", "Okay, ...") reads well once the
connective is taken off. One that opens with a word pointing back ("This is
why ...", "Because it ...", "They ...") makes no sense alone: it is joined to
the sentence it depends on, or left out. Remarks about the class itself
("Let's start.", "See you next week.") are no notes at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from tubenotes.generate.sentences import Sentence
from tubenotes.text.words import tokenize

# A sentence joined to the one it depends on stays a note's length.
MAX_JOINED_WORDS = 45

# Connectives that carry no meaning at a sentence's start: taken off, as often as they repeat.
_FILLER_OPENERS = {
    "en": r"so|now|okay|ok|alright|all right|well|and|but|also|basically|actually|anyway|in other words|of course"
          r"|you know|i mean|again|remember(?: that)?|note that|notice that|right(?=,)|yeah|yes(?=,)"
          r"|(?:first|second|third|fourth|fifth|finally|next|lastly)(?=,)",
    # Only words that do not take the first place: "Jetzt dehnt sich ..." without "Jetzt" would open with its verb.
    "de": r"und|aber|okay|ja(?=,)|gut(?=,)|so(?=,)|genau(?=,)|na ja|also(?=,)|nun(?=,)|jetzt(?=,)",
    "es": r"entonces|bueno|pues|y|pero|ahora|vale|o sea|bien(?=,)|además"
          r"|(?:primero|segundo|tercero|por último|finalmente)(?=,)",
    "fr": r"donc|alors|et|mais|bon|voilà|ensuite|maintenant|eh bien|bref|en fait"
          r"|(?:premièrement|deuxièmement|d'abord|enfin)(?=,)",
}
# Words that open a sentence by pointing back at the one before (a pronoun, "because", "therefore").
_BACK_POINTING = {
    "en": "this these those that it its they them their he she his her here which because therefore thus hence "
          "otherwise instead similarly likewise such latter former whereas then",
    "de": "dies diese dieser dieses diesen er ihr hier deshalb daher darum deswegen dadurch damit weil denn "
          "dabei dafür dagegen trotzdem",
    "es": "esto eso esta este estos estas esa ese ellos ellas él ella aquí porque así allí",
    "fr": "cela ceci ça c ce cette ces ils elles il elle ici car puisque parce",
}
# Phrases that point back as a whole ("por eso": "that is why").
_BACK_POINTING_PHRASES = {
    "en": r"that's why|that is why|in that case|for that reason",
    "de": r"aus diesem grund|das heißt",
    "es": r"por eso|por lo tanto|por esa razón|de ahí",
    "fr": r"c'est pourquoi|pour cette raison|de ce fait",
}
# Articles that double as pronouns: only a pronoun when no noun follows ("Das ist ..." but "Das Gas ...").
_ARTICLE_PRONOUNS = {"de": frozenset({"das", "die", "der"})}
# An "it" that points at nothing: French "il y a", "il faut"; English "It's convenient to define ...".
_IMPERSONAL = {
    "fr": re.compile(r"(?i)^il (?:y a|faut|existe|s'agit)\b"),
    "en": re.compile(r"(?i)^it(?:'s| is| was) (?:\w+ )?(?:convenient|useful|important|possible|impossible|easy|hard"
                     r"|natural|helpful|clear|true|necessary|customary) (?:to|that)\b"),
}
# Remarks about the class itself, not its subject.
_CLASS_REMARKS = {
    "en": r"^(?:good (?:morning|afternoon|evening)|welcome\b|hello\b|hi\b|let's (?:start|begin|get started|move on"
          r"|take a (?:break|look)|stop|call it|go back|continue)|(?:today|in this lecture|in this video|last time"
          r"|next time|next week)\b.{0,40}\b(?:we|i)(?:'ll|'re| will| are| talk| look| discuss| start| cover| saw"
          r"| did| talked| covered)|(?:we|i)(?:'ll| will| are going to) (?:start|begin|stop|come back|see|talk|finish)"
          r"|let me (?:also |just |quickly )?(?:write|show|draw|remind|start|go|put|introduce)|see you\b"
          r"|any questions"
          r"|that's (?:it|all) for"
          r"|thank you|thanks\b|for (?:your )?homework|can (?:you|everyone|everybody) (?:all )?(?:hear|see)"
          r"|is (?:this|the) (?:mic|microphone)|as i said|i'll see you|please (?:read|open|turn))",
    "de": r"^(?:guten (?:morgen|tag|abend)|herzlich willkommen|willkommen|hallo\b|(?:heute|in dieser vorlesung"
          r"|letztes mal|nächstes mal|nächste woche)\b.{0,40}\b(?:wir|ich) |lassen sie uns (?:anfangen|beginnen)"
          r"|fangen wir an|bis (?:zum nächsten mal|nächste woche)|gibt es fragen|vielen dank|danke\b|für die prüfung"
          r"|als hausaufgabe)",
    "es": r"^(?:buenos días|buenas tardes|bienvenid[oa]s?|hola\b|(?:hoy|en esta clase|la clase pasada"
          r"|la próxima clase)\b.{0,40}\b(?:vamos|veremos|hablaremos|estudiaremos)|empecemos|comencemos"
          r"|nos vemos|¿?alguna pregunta|gracias\b|para la tarea|para el examen)",
    "fr": r"^(?:bonjour|bonsoir|bienvenue|(?:aujourd'hui|dans ce cours|la dernière fois|la prochaine fois"
          r"|la semaine prochaine)\b.{0,40}\b(?:nous|on|je) |commençons|on commence|à la semaine prochaine"
          r"|à bientôt|des questions|merci\b|pour les devoirs|pour l'examen)",
}


def _compiled(patterns: dict[str, str], template: str) -> dict[str, re.Pattern[str]]:
    return {code: re.compile(template.format(pattern), re.IGNORECASE) for code, pattern in patterns.items()}


_FILLERS = _compiled(_FILLER_OPENERS, r"^(?:(?:{0})(?![\w'-])[,;:]?\s+)+")
_REMARKS = _compiled(_CLASS_REMARKS, "{0}")
_POINTERS = {code: frozenset(words.split()) for code, words in _BACK_POINTING.items()}
_POINTING_PHRASES = _compiled(_BACK_POINTING_PHRASES, r"^(?:{0})\b")
# A language without lists of its own (or unknown) gets those of all four.
_ANY = "*"
_FILLERS[_ANY] = re.compile(
    r"^(?:(?:" + "|".join(_FILLER_OPENERS.values()) + r")(?![\w'-])[,;:]?\s+)+", re.IGNORECASE)
_POINTERS[_ANY] = frozenset().union(*_POINTERS.values())
_POINTING_PHRASES[_ANY] = re.compile(r"^(?:" + "|".join(_BACK_POINTING_PHRASES.values()) + r")\b", re.IGNORECASE)


# Words a speaker ends a sentence on that say nothing ("... come together alright."): "right" and "so" are one only
# after a word they cannot close ("that's right", "I think so" keep theirs).
_CLOSING_FILLERS = frozenset("alright okay ok right so".split())
_KEEP_CLOSING = frozenset("""
that's it's is are was be that it all turn turns turned the to think hope say said do did not exactly quite just
""".split())
MIN_WORDS_LEFT = 3


def _code(language: str | None) -> str:
    base = (language or "").replace("_", "-").split("-")[0].casefold()
    return base if base in _FILLER_OPENERS else _ANY


def strip_fillers(text: str, language: str | None) -> str:
    """``text`` without the filler connectives it opens with, and in English those it ends on ("... come together
    alright."), its first letter a capital."""
    code = _code(language)
    stripped = _FILLERS[code].sub("", text.strip())
    if code == "en":
        stripped = _without_closing_fillers(stripped)
    if not stripped:
        return text.strip()
    return stripped[:1].upper() + stripped[1:]


def _without_closing_fillers(text: str) -> str:
    words = text.split()
    cut = len(words)
    while (cut > MIN_WORDS_LEFT and _bare(words[cut - 1]) in _CLOSING_FILLERS
           and _bare(words[cut - 2]) not in _KEEP_CLOSING):
        cut -= 1
    if cut == len(words):
        return text
    # "..., right?" asked nothing: what it closed is a statement.
    return " ".join(words[:cut]).rstrip(",;:") + ("." if words[-1][-1] in ".?!" else "")


def _bare(word: str) -> str:
    return word.strip(".?!,;:").casefold()


def points_back(text: str, language: str | None) -> bool:
    """Whether ``text`` (fillers already off) opens with a word that needs the sentence before it."""
    code = _code(language)
    words = text.split(maxsplit=2)
    tokens = tokenize(" ".join(words[:2]))
    if not tokens:
        return False
    first = tokens[0]
    if code in _IMPERSONAL and _IMPERSONAL[code].match(text):
        return False
    if _POINTING_PHRASES[code].match(text):
        return True
    if first in _ARTICLE_PRONOUNS.get(code, ()):
        following = words[1] if len(words) > 1 else ""
        return not following[:1].isupper()
    return first in _POINTERS[code]


def is_class_remark(text: str, language: str | None) -> bool:
    """Whether ``text`` speaks about the class (greetings, plans, homework), not its subject."""
    code = _code(language)
    patterns = [_REMARKS[code]] if code != _ANY else list(_REMARKS.values())
    return any(pattern.search(text) for pattern in patterns)


def standalone(sentences: Sequence[Sentence], index: int, language: str | None) -> Sentence | None:
    """Sentence ``index`` as a note can quote it: fillers off, joined to the sentence before when it points
    back; None when it cannot stand alone even so, or is a remark about the class."""
    sentence = sentences[index]
    if not sentence.whole:
        return None
    text = strip_fillers(sentence.text, language)
    if is_class_remark(text, language):
        return None
    if not points_back(text, language):
        return _with_text(sentence, text)
    if index == 0:
        return None
    previous = sentences[index - 1]
    if not previous.whole:
        return None
    before = strip_fillers(previous.text, language)
    joined = f"{before} {_lower_first(text)}" if _open_ended(before) else f"{before} {text}"
    if (points_back(before, language) or is_class_remark(before, language)
            or len(joined.split()) > MAX_JOINED_WORDS):
        return None
    return replace(sentence, text=joined, start=previous.start, tokens=tuple(tokenize(joined)))


def _with_text(sentence: Sentence, text: str) -> Sentence:
    if text == sentence.text:
        return sentence
    return replace(sentence, text=text, tokens=tuple(tokenize(text)))


def _open_ended(text: str) -> bool:
    """Whether ``text`` ends without closing its sentence (a pseudo-sentence of captions)."""
    return not re.search(r"[.!?…:]['\"”’)\]]*$", text)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text
