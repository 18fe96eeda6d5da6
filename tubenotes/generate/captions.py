"""Auto-captions back into sentences: where a sentence ends in text with no punctuation and no capitals.

YouTube's generated captions are a stream of lower-case words in cues. Every
gap between two words gets a score from what is known there: a pause in the
cue timings (strong), a cue boundary (weak), the next word ("so", "now",
"okay" open a sentence far more often than not; "the" rarely) and the word
before it (no sentence ends on "the", "of", "your", "und"; one often ends on
a noun or on "it"). Dynamic programming then picks the cuts with the best
total score, a sentence costing more the further its length is from a spoken
sentence's usual one. Each sentence gets its capital and its full stop.

A subject and its verb right after the gap ("... every second we have to
...", "... the total force is ...") open a clause; a determiner after a verb
that takes an object ("cross the") starts that object instead.

Measured on the project's thermodynamics course turned into captions (no
pauses: the words alone), this finds about half the true sentence ends, with
half its cuts right, against under a third of each for cutting at the first
opener past a fixed length; on the waves and enzymes lectures, a third of the
ends with half the cuts right (bench/bench_offline_notes.py). Most other cuts
fall where the speaker put a comma ("..., so we can treat them as points"):
a clause that reads as a sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from tubenotes.text.stopwords import STOPWORDS

MIN_WORDS, TARGET_WORDS, MAX_WORDS = 5, 16, 35
# A cut needs this much evidence; a sentence costs this much per squared word off the target length.
CUT_COST = 1.5
LENGTH_COST = 0.003
# Silence after a word (seconds) and what it says.
SHORT_PAUSE, LONG_PAUSE = 0.3, 1.0
SHORT_PAUSE_SCORE, LONG_PAUSE_SCORE = 1.5, 3.5
CUE_END_SCORE = 0.3
CONTENT_END_SCORE = 0.4  # a sentence more often ends on a content word than on a function word
OPENER_AFTER_OPENER = -1.0  # "so now": one opener, not two sentences
SOFT_END_SCORE = 2.5  # a comma or a colon, in the rare captions that have some
FORCED = 1000.0  # a paragraph's end, or a full stop
# A cut worth less than this was the best of bad choices: the sentences on either side of it may start or end
# inside a clause. On the course turned into captions, three in four such cuts are no sentence's end.
SURE_CUT = 0.0
# A caption sentence longer than this had no cut the splitter could find inside it, though it ran on: in the Biology
# example eight in ten of them are two or three sentences run together ("It releases it pumps protons the complexes
# use ..."). No note quotes one.
RUN_ON_WORDS = 25
# A subject and its verb after the gap open a clause: a pronoun and its verb ("we have"), or a determiner, a noun
# phrase of up to NOUN_PHRASE_WORDS words and a verb ("the total force is").
PRONOUN_VERB_SCORE = 1.0
NOUN_PHRASE_VERB_SCORE = 0.8
BARE_NOUN_VERB_SCORE = 0.6
NOUN_PHRASE_WORDS = 3
# More for a one-word subject and a passive right after a noun ("... store energy as fat | proteins are broken
# ..."): no word marks that gap, but a noun phrase rarely runs on into a passive. Not after a count or a determiner
# ("the fatty | acids are cut", "two carbon | piece is attached"), where the noun before names a part of the subject,
# nor after a verb ("as it moves | protons are pumped").
PASSIVE_SCORE = 0.8
VERB_BEFORE_OBJECT = -1.5  # a verb that takes an object, then a determiner: "we cross | the line"

# Words after which a spoken sentence cannot end (articles, prepositions, conjunctions, auxiliaries,
# possessives), in English, German, Spanish and French: a cut there would leave a phrase in two.
BINDING = frozenset("""
a an the of to in on at for with from by into onto about as than and or but nor if because that which who
whom whose where is are was were be been am has have had do does did can could will would shall should may might
must not very my your his her its our their this these those we you they i he she it's there's let's kind
sort lot couple such each every some any both either whether just really actually going gonna
der die das den dem des ein eine einen einem einer eines und oder aber sondern denn weil dass wenn als wie
zu zum zur von vom mit bei beim nach aus auf im an am für über unter vor durch ohne gegen ist sind war
waren wird werden hat haben hatte kann können muss müssen soll sollen sehr ich du er wir mein dein sein
unser euer diese dieser dieses jeder jede
el la los las un una unos unas del al en con por para sin sobre y o pero que como cuando porque es son era
fue ha han muy mi tu su sus nuestro este esta estos estas se lo le les me te nos
le les l un une des du de d au aux à dans sur sous par pour avec sans et ou mais qu qui quand comme parce
est sont était ont très mon ma mes ton ta tes son sa ses notre votre leur ce cet cette ces ne je il elle
nous vous ils elles
""".split())
# How strongly a word says that a sentence starts with it.
_OPENS = {
    **dict.fromkeys("okay ok alright finally".split(), 3.0),
    **dict.fromkeys("now let's today suppose imagine".split(), 2.5),
    **dict.fromkeys("so well next that's here's remember notice if".split(), 1.8),
    **dict.fromkeys("then but let there's since this for".split(), 1.2),
    **dict.fromkeys("and these it's we're we'll i'm i'll what why how there i when take".split(), 0.7),
    **dict.fromkeys("it we you the".split(), 0.4),
    **dict.fromkeys("also jetzt gut dann nun okay also heute".split(), 2.0),
    **dict.fromkeys("aber wenn weil wir das die der".split(), 0.6),
    **dict.fromkeys("entonces ahora bueno vale hoy".split(), 2.0),
    **dict.fromkeys("pero cuando si porque y el la".split(), 0.6),
    **dict.fromkeys("donc alors maintenant bon voilà aujourd".split(), 2.0),
    **dict.fromkeys("mais quand si et le la on nous".split(), 0.6),
}
# Words a sentence hardly ever opens with: a cut before one is worth this much less.
_CONTINUES = dict.fromkeys("""
to from by with at as on which
ist sind war waren von zu mit als son era fue de en que est sont était du des à
""".split(), -2.0)
# Words no sentence of a lecture opens with: a verb that needs its subject before it, a preposition that needs
# its head ("... pyruvate | makes two ATP", "... two ATP | per glucose"). No cut falls before one.
_NEVER_OPENS = frozenset("""
of is are was were than into onto 's does makes gives takes means becomes whose per equals depends consists
""".split())
# Two words that open a sentence together.
_OPENING_PAIRS = {
    ("for", "example"): 1.5, ("for", "instance"): 1.5, ("in", "other"): 1.5, ("and", "then"): 0.8,
    ("let", "me"): 1.2, ("let", "us"): 1.2, ("that's", "why"): 0.8, ("and", "that's"): 0.6, ("if", "you"): 0.5,
    ("zum", "beispiel"): 1.5, ("por", "ejemplo"): 1.5, ("par", "exemple"): 1.5,
}
# Words a spoken sentence often ends on.
_CLOSES = {"it": 0.6, "them": 0.6, "too": 1.0, "again": 0.8, "here": 0.5, "there": 0.5, "before": 0.5, "way": 0.4,
           "yet": 0.5, "all": 0.3}
_FUNCTION_WORDS = frozenset().union(*STOPWORDS.values())
_SUBJECT_PRONOUNS = frozenset("we you it they i he she there".split())
_DETERMINERS = frozenset("the a an every each this these that those its his her our their your my".split())
_FINITE = frozenset("""
is are was were has have had can could will would should must does do did don't doesn't can't isn't aren't
gets get goes go makes make takes take gives give means mean depends depend equals equal becomes become
call know need want cannot may might wasn't weren't won't didn't hasn't haven't
tells says shows looks consists begins explains started starts stays changes grows falls rises increases
decreases flows moves comes holds works happens contains produces lowers binds loses leaves needs uses keeps
turns lets combine combines follows describes measures counts stores releases carries pushes hits splits
breaks builds runs sits lies acts forms reacts speeds slows drops doubles grabs attaches fixes enters exits
""".split())
# Adverbs between a subject and its verb: "latent heat also explains".
_BETWEEN = frozenset("also usually always never only just really still often then actually".split())
_PERSONS = frozenset("we you i they he she".split())
# Verbs that take an object: a determiner after one starts its object. Words that are as often nouns ("work",
# "heat", "change") are left out.
_TAKES_OBJECT = frozenset("""
get gets got make makes made take takes took give gives gave see sees saw know knows knew call calls called
use uses used find finds found put puts tell tells told show shows showed write writes wrote keep keeps kept
need needs want wants add adds added cross crosses crossed define defines defined compute computes computed
derive derives derived reach reaches reached become becomes became contain contains contained produce produces produced remove removes removed compare compares compared
multiply multiplies multiplied divide divides divided build builds built
""".split())
# Verbs that take an object and then its name ("we call X the Y"), looked for this many words back.
_NAMING = frozenset("call calls".split())
NAMING_WORDS = 5
_OBJECT_PRONOUNS = frozenset("it them him her us me this that these those".split())
# Corrections learned by bench/train_caption_gaps.py.
GAP_WEIGHTS = Path(__file__).with_name("caption_gaps.txt")
_LEADING = frozenset("so now okay ok and but well alright".split())
# Verbs a lecture hardly ever says as an order: a sentence opening with one lost its subject.
_SUBJECT_VERBS = frozenset("""
move moves flow flows rise rises fall falls expand expands meet meets travel travels increase increases decrease
decreases grow grows drop drops stay stays come comes depend depends happen happens occur occurs become becomes
remain remains contain contains absorb absorbs cool cools boil boils melt melts reach reaches lose loses gain
gains produce produces require requires cause causes seem seems carry carries oscillate oscillates vibrate
vibrates spread spreads diffuse diffuses bind binds enter enters leave leaves
""".split())
# Prepositions before an object pronoun: the end of a clause, no sentence's start.
_HEADLESS = frozenset("for to of from with about at by into onto".split())
_QUESTION_WORDS = frozenset("what why how where when who".split())  # not "which": "which is why ..."
_AUXILIARIES = frozenset("""
do does did is are was were can could will would should has have had don't doesn't isn't aren't can't
""".split())
# Words that open a purpose clause after "so that" ("so that glycolysis can keep going"): the end of a sentence cut
# before "so", no sentence alone.
_MODALS = frozenset("can could will would may might".split())
PURPOSE_WORDS = 4
_BE = frozenset("is are was were".split())
_COUNTS = frozenset("no one two three four five six seven eight nine ten twelve twenty thirty hundred".split())
# Participles that do not end in "-ed".
_PARTICIPLES = frozenset("broken taken given made split known called used built seen shown found done cut".split())
_I_FORMS = {"i": "I", "i'm": "I'm", "i've": "I've", "i'll": "I'll", "i'd": "I'd"}


def sentence_cuts(words: Sequence[str], pauses: Sequence[float], cue_ends: Sequence[bool],
                  forced: Sequence[bool]) -> list[int]:
    """Where the sentences of an unpunctuated stream of ``words`` begin (after the first), given the silence
    after each word, whether a cue ends after it, and whether a paragraph does."""
    return [cut for cut, _ in scored_cuts(words, pauses, cue_ends, forced)]


def scored_cuts(words: Sequence[str], pauses: Sequence[float], cue_ends: Sequence[bool],
                forced: Sequence[bool]) -> list[tuple[int, float]]:
    """sentence_cuts, each with what speaks for a sentence ending there (FORCED at a paragraph's end; below
    SURE_CUT, the cut may well fall inside a clause)."""
    size = len(words)
    bare = [_bare(word) for word in words]
    gains = [_gain(bare, cut, pauses[cut - 1], cue_ends[cut - 1], forced[cut - 1]) for cut in range(1, size)]
    gains = [gain + SOFT_END_SCORE if gain is not None and words[cut].endswith((",", ";", ":")) else gain
             for cut, gain in enumerate(gains)]
    # best[j]: the best score of sentences covering the first j words, back[j] where the last one starts.
    minus_infinity = float("-inf")
    best = [0.0] + [minus_infinity] * size
    back = [0] * (size + 1)
    # Where a sentence may start, and what starting there is worth (the first word is free).
    starts = [(0, 0.0)] + [(cut, gain) for cut, gain in enumerate(gains, start=1) if gain is not None]
    length_cost = [LENGTH_COST * (length - TARGET_WORDS) ** 2 for length in range(MAX_WORDS + 1)]
    first = 0  # the first start within MAX_WORDS of the current end
    for end in range(1, size + 1):
        while starts[first][0] < end - MAX_WORDS:
            first += 1
        shortest = 1 if end == size else MIN_WORDS
        top, where = minus_infinity, 0
        for start, gain in starts[first:]:
            if end - start < shortest and not (start and forced[start - 1]):
                break
            score = best[start] + gain - length_cost[end - start]
            if score > top:
                top, where = score, start
        best[end], back[end] = top, where
    if best[size] == float("-inf"):  # no sentence may end within MAX_WORDS anywhere (a list of binding words)
        return [(cut, minus_infinity) for cut in range(MAX_WORDS, size, MAX_WORDS)]
    cuts: list[int] = []
    end = size
    while end > 0 and back[end] > 0:
        cuts.append(back[end])
        end = back[end]
    return [(cut, gains[cut - 1]) for cut in sorted(cuts)]


def _gain(bare: Sequence[str], cut: int, pause: float, cue_end: bool, forced: bool) -> float | None:
    """What a cut before word ``cut`` is worth; None where no sentence can end."""
    if forced:
        return FORCED
    before = bare[cut - 1].rstrip(",;:")
    if before in BINDING:
        return None
    first, second = bare[cut], bare[cut + 1] if cut + 1 < len(bare) else ""
    if first in _NEVER_OPENS:
        return None
    gain = -CUT_COST + _OPENS.get(first, _CONTINUES.get(first, 0.0)) + _OPENING_PAIRS.get((first, second), 0.0)
    gain += _clause_ahead(bare, cut)
    weights = learned_weights()
    gain += sum(weights.get(feature, 0.0) for feature in gap_features(bare, cut))
    gain += _CLOSES.get(before, 0.0) + (CONTENT_END_SCORE if before not in _FUNCTION_WORDS else 0.0)
    if before in _OPENS:
        gain += OPENER_AFTER_OPENER
    if before in _TAKES_OBJECT and (first in _DETERMINERS or first in _OBJECT_PRONOUNS):
        gain += VERB_BEFORE_OBJECT  # "we cross | the line": the verb's object, not a new sentence
    elif first in _DETERMINERS and any(word in _NAMING for word in bare[max(cut - NAMING_WORDS, 0):cut - 1]):
        gain += VERB_BEFORE_OBJECT  # "we call the heat per degree | the heat capacity": the name it is given
    if pause >= LONG_PAUSE:
        gain += LONG_PAUSE_SCORE
    elif pause >= SHORT_PAUSE:
        gain += SHORT_PAUSE_SCORE
    return gain + (CUE_END_SCORE if cue_end else 0.0)


def opens_mid_clause(words: Sequence[str]) -> bool:
    """Whether a caption sentence, its openers aside, starts with a verb that needs a subject before it: "now move
    into the mitochondria" was "... the two pyruvate molecules now move into ...". A lecture's imperatives
    ("now take a gas") are verbs of another kind."""
    bare = [_bare(word) for word in words[:5]]
    if bare[:2] == ["so", "that"] and (bare[2:3] and bare[2] in _SUBJECT_PRONOUNS
                                        or _MODALS.intersection(_bare(word) for word in words[2:2 + PURPOSE_WORDS])):
        return True  # "so that glycolysis can keep going", "so that it joins ...": why the sentence before did it
    lead = next((position for position, word in enumerate(bare) if word not in _LEADING), len(bare))
    first, second = (bare[lead:lead + 2] + ["", ""])[:2]
    # "for it it also takes place": the end of "... got a nobel prize for it"; "that each glucose gives": the
    # end of "so that each glucose gives", as "that" before an article is no pointer.
    return (first in _SUBJECT_VERBS or (first in _HEADLESS and second in _OBJECT_PRONOUNS - {"this", "that"})
            or (first == "that" and second in _DETERMINERS - {"that", "this", "these", "those"}))


def gap_features(bare: Sequence[str], cut: int) -> list[str]:
    """What the learned weights know of the gap before word ``cut``: the words on either side of it, alone and
    in pairs."""
    before, first = bare[cut - 1].rstrip(",;:"), bare[cut]
    earlier = bare[cut - 2] if cut >= 2 else "<s>"
    second = bare[cut + 1] if cut + 1 < len(bare) else "</s>"
    return [f"p={before}", f"n={first}", f"nn={second}", f"pp={earlier}", f"pn={before} {first}",
            f"n2={first} {second}"]


@cache
def learned_weights() -> dict[str, float]:
    """Corrections to the rules' score of a gap, learned from punctuated English speech (see GAP_WEIGHTS)."""
    weights: dict[str, float] = {}
    for line in GAP_WEIGHTS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            feature, weight = line.rsplit("\t", 1)
            weights[feature] = float(weight)
    return weights


def _clause_ahead(bare: Sequence[str], cut: int) -> float:
    """What the words from ``cut`` on say of a clause starting there: a subject and its verb ("we have", "the
    total force is") open one."""
    first = bare[cut]
    second = bare[cut + 1] if cut + 1 < len(bare) else ""
    if first in _SUBJECT_PRONOUNS:
        # "we classify": a person and a word that is no function word is a subject and its verb.
        verb = second in _FINITE or (first in _PERSONS and second and second not in _FUNCTION_WORDS)
        return PRONOUN_VERB_SCORE if verb else 0.0
    if first in _DETERMINERS:
        ahead, score = cut + 2, NOUN_PHRASE_VERB_SCORE
    elif first not in _FUNCTION_WORDS:  # a noun without an article: "pressure is", "latent heat also explains"
        ahead, score = cut + 1, BARE_NOUN_VERB_SCORE
    else:
        return 0.0
    for ahead in range(ahead, min(cut + 2 + NOUN_PHRASE_WORDS, len(bare))):
        word = bare[ahead]
        if word in _FINITE:
            participle = bare[ahead + 1] if ahead + 1 < len(bare) else ""
            if (ahead == cut + 1 and word in _BE and (participle.endswith("ed") or participle in _PARTICIPLES)
                    and bare[cut - 1] not in _FINITE
                    and not {bare[cut - 1], bare[cut - 2] if cut >= 2 else ""} & (_COUNTS | _DETERMINERS)):
                return score + PASSIVE_SCORE
            return score
        if word in _FUNCTION_WORDS and word != "of" and word not in _BETWEEN:
            return 0.0
    return 0.0


def restore(text: str) -> str:
    """A caption sentence written as a sentence: its capital, "I" for "i", and a full stop, or a question mark
    after a question ("what does the chain do", "is it reversible")."""
    words = [_I_FORMS.get(word, word) for word in text.split()]
    if not words:
        return text
    bare = [_bare(word) for word in words]
    lead = next((position for position, word in enumerate(bare) if word not in _LEADING), len(bare))
    asks = _asks(bare[lead:lead + 2])  # "so what does ..." asks too
    words[0] = words[0][:1].upper() + words[0][1:]
    restored = " ".join(words)
    return restored if restored.endswith((".", "!", "?", "…")) else restored + ("?" if asks else ".")


def _asks(first_two: Sequence[str]) -> bool:
    """Whether an English sentence opening with these words asks: a question word and an auxiliary, or an
    auxiliary and a subject pronoun."""
    if len(first_two) < 2:
        return False
    first, second = first_two
    return ((first in _QUESTION_WORDS and second in _AUXILIARIES)
            or (first in _AUXILIARIES and second in _SUBJECT_PRONOUNS and first not in ("let", "let's")))


def _bare(word: str) -> str:
    return word.casefold().strip("'\"”’)]([“‘")
