"""Stop words for English, German, Spanish and French, and a guess for other languages.

The lists hold function words plus the filler of spoken lectures ("okay",
"basically", "gonna") and spoken arithmetic ("equals", "times"), because a
transcript is speech: without them, "going" and "equals" would rank as key
terms of every lecture. Spoken formulas name Greek letters ("delta T"); the
letters that begin terms of their own ("alpha particle", "beta decay") stay.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

_ENGLISH = """
a about above after again against all almost also although always am among an and another any anybody
anyone anything anyway anyways are aren around as at away back be became because become been before
being below between both but by can cannot could couldn did didn do does doesn doing don done down during
each either else enough even ever every everybody everyone everything exactly few first for from further
get gets getting give given gives go goes going gone good got gotta great had hadn has hasn have haven
having he her here hers herself him himself his how however i if in instead into is isn it its itself
just kind last least less let lets like likely ll lot lots made make makes making many may maybe me
mean means might mine more most much must my myself need needs never new next no nobody none nor not
nothing now of off often oh ok okay on once one ones only onto or other others otherwise our ours
ourselves out over own per perhaps please pretty quite rather re really right said same say saying says
see seen shall she should shouldn since so some somebody someone something sometimes somewhat sort still
such sure take takes taking talk talked talking tell than that thats the their theirs them themselves then
there these they thing things think this those though through thus to today together too took toward
towards try trying two under until up upon us use used uses using usually ve very via want wanted wants
was wasn way ways we well went were weren what whatever when where whether which while who whoever whole
whom whose why will with within without won would wouldn yeah yes yet you your yours yourself yourselves
actually basically gonna wanna alright anyhow uh um hmm mhm sorry thank thanks guys stuff bit look looks
looking looked know knows knew come comes coming came put puts find call called calls saw show shows
example examples fact case able already little big start started zero three four five six seven eight
nine ten twenty hundred thousand million billion small smaller large larger tiny huge fast slow high higher
low lower long short different important simple easy hard entire single common main real true false
possible best better worse worst early late far near same similar certain particular general specific
various several clear basic typical full half along across behind beyond inside outside throughout
become becomes seem seems happen happens happened keep keeps kept called means
equal equals times plus minus divided squared cubed over halves half third thirds point percent
january february march april june july august september october november december
monday tuesday wednesday thursday friday saturday sunday week weeks year years month months
brought bring brings gave told asked ask asks tried tries turns turned goes doing getting giving
remember remembered understand understood explain explained discuss discussed mentioned mention
eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen thirty forty fifty sixty seventy
eighty ninety forth etcetera kinda sorta lecture lectures course courses chapter chapters homework exam exams
slide slides delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron rho sigma tau
upsilon phi chi psi omega
"""

_GERMAN = """
aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes anders auch
auf aus bei beim bin bis bist da dabei dadurch daher dafür dagegen damit dann dar daran darauf daraus darf
darum das dass daß dem den denen denn der deren des deshalb dessen dich die dies diese diesem diesen dieser
dieses dir doch dort du durch ein eine einem einen einer eines einfach einmal er es etwa etwas euch euer
eure für gab gar geben gegen geht gehen gemacht genau gerade gibt gut habe haben hat hatte hätte hier hin
hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im immer in ins ist ja jede jedem jeden jeder
jedes jetzt kann kannst kein keine keinem keinen keiner können könnte machen macht mal man manche mehr
mein meine meinem meinen meiner mich mir mit muss musst müssen nach nicht nichts noch nun nur ob oder
ohne schon sehr sein seine seinem seinen seiner seit sich sie sind so solche soll sollte sondern sowie
über um und uns unser unsere unter viel viele vom von vor wann war waren warum was weil weiter welche
welchem welchen welcher welches wenn wer werde werden wie wieder will wir wird wirklich wo wollen wurde
wurden zu zum zur zwar zwei zwischen also okay genau halt eben quasi sozusagen ähm äh eigentlich
natürlich ganz sagen sagt gesagt sehen sieht gesehen heute beispiel beispielsweise bzw usw dazu davon
hierbei sodass denke glaube weiß wissen kommt kommen dinge ding teil erst ersten zweiten drei eins vier
fünf sechs sieben acht neun zehn hundert tausend groß große großen kleine kleinen klein wichtig wichtige
neue neuen erste zweite weniger gleich gleiche verschiedene viele vielen beiden beide
januar februar märz april mai juni juli august september oktober november dezember
montag dienstag mittwoch donnerstag freitag samstag sonntag woche wochen jahr jahre jahren monat monate
wäre wären würde würden hatten hätten gewesen gemacht machte nehmen nimmt genommen geben gegeben ging
gehe geht sollten sollen können konnte müssen musste möchte möchten lassen lässt sehen schauen
erklären erklärt verstehen versteht bekommen bekommt steht stehen liegt liegen findet finden bleibt
"""

_SPANISH = """
según durante mediante
a al algo algunas algunos ante antes aquí así aunque bien bueno cada casi como con contra cual cuales
cuando de del desde donde dos el ella ellas ello ellos en entonces entre era eran es esa esas ese eso
esos esta está estaba estamos están estar este esto estos estoy fue fueron ha había hace hacer hacia han
hasta hay la las le les lo los más me mi mientras mis mismo mucho muchos muy nada ni no nos nosotros o
otra otras otro otros para pero poco por porque pues puede pueden qué que quien se sea ser si sí sido
sin sobre solo sólo son su sus también tan tanto te tenemos tener tiene tienen todo todos tu tú un una
uno unos usted va vamos vez voy y ya yo eh pues digamos vale ejemplo cosa cosas decir dice digo hoy
tenía ver vemos creo sabemos verdad claro ahora luego después dos tres cuatro cinco grande pequeño
pequeña importante primero primera segundo misma mismos tipo forma manera parte
"""

_FRENCH = """
vers depuis entre chez selon contre pendant parmi malgré envers
a ai alors au aucun aussi autre aux avait avant avec avoir bien bon c ça car ce cela celle celles celui
ces cet cette ceux chaque ci comme comment d dans de des deux devant donc dont du elle elles en encore
est et été être eu fait faire fois font ici il ils j je juste l la le les leur leurs lui m ma mais me
même mes moi moins mon n ne ni nos notre nous on ont ou où par parce pas peu peut plus pour pourquoi
qu quand que quel quelle quelles quels qui s sa sans se ses si son sont sous sur ta te tes toi ton tous
tout toute toutes très tu un une vos votre vous y alors voilà bon euh bah ben donc exemple chose choses
dire dit faut peut-être aujourd hui maintenant voir voit vraiment va vais allons là cest trois quatre
cinq grand grande petit petite important importante premier première mêmes façon partie sorte
"""

STOPWORDS: dict[str, frozenset[str]] = {
    code: frozenset(words.split())
    for code, words in (("en", _ENGLISH), ("de", _GERMAN), ("es", _SPANISH), ("fr", _FRENCH))
}

# Running speech is about half function words; below this share no list fits.
_MIN_LANGUAGE_SHARE = 0.2
_SAMPLE_TOKENS = 3000
# For a language without a list, its most frequent short words stand in.
_FALLBACK_COMMON = 60
_FALLBACK_MAX_LENGTH = 4


def detect_language(tokens: Iterable[str], hint: str | None = None) -> str | None:
    """The language whose stop words cover most of ``tokens``, or None if none fits.

    The text decides rather than the hint: a local file's language is often unknown
    or wrong. The hint (e.g. "de-DE") breaks ties.
    """
    sample = [token for _, token in zip(range(_SAMPLE_TOKENS), tokens)]
    if not sample:
        return _base_language(hint)
    hint_code = _base_language(hint)
    shares = {code: sum(token in words for token in sample) / len(sample) for code, words in STOPWORDS.items()}
    best = max(shares, key=lambda code: (shares[code], code == hint_code))
    return best if shares[best] >= _MIN_LANGUAGE_SHARE else None


def stopwords_for(language: str | None, tokens: Iterable[str]) -> frozenset[str]:
    """The stop words of ``language``, or, failing a list, the text's own commonest short words."""
    if language in STOPWORDS:
        return STOPWORDS[language]
    counts = Counter(token for token in tokens if len(token) <= _FALLBACK_MAX_LENGTH)
    return frozenset(word for word, _ in counts.most_common(_FALLBACK_COMMON))


def _base_language(code: str | None) -> str | None:
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].casefold()
    return base if base in STOPWORDS else None
