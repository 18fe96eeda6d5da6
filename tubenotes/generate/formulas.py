"""Spoken formulas written as LaTeX: "P V equals n R T" is $PV = nRT$.

A lecturer reads formulas aloud in a small language of its own: single
letters for variables, Greek letters by name, "equals", "plus", "minus",
"times", "over", "squared", "one half". A run of such words is parsed with
the usual precedence (powers, products, fractions, sums, equations) and only
a run that parses whole, from a clause's start to its end, becomes a formula:
a formula cut short ("P equals N m times the average ...") stays words. Case
matters (T and t are different variables), so auto-captions, which have
none, get no formulas. English first; German, Spanish and French carry the
same forms with their own words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Words that are spoken arithmetic, per language, mapped to the parser's operators.
_OPERATORS = {
    "en": {"equals": "=", "plus": "+", "minus": "-", "times": "*", "over": "/", "squared": "^2", "cubed": "^3"},
    "de": {"gleich": "=", "plus": "+", "minus": "-", "mal": "*", "durch": "/", "quadrat": "^2"},
    "es": {"igual": "=", "más": "+", "menos": "-", "por": "*", "sobre": "/", "entre": "/"},
    "fr": {"égale": "=", "égal": "=", "plus": "+", "moins": "-", "fois": "*", "sur": "/"},
}
# Phrases read as one operator; matched before single words.
_PHRASES = {
    "en": [("is equal to", "="), ("divided by", "/"), ("to the power of", "^"), ("to the power", "^"),
           ("to the", "^"), ("the natural log of", "ln"), ("the natural logarithm of", "ln"),
           ("natural log of", "ln"), ("the log of", "log"), ("the square root of", "sqrt"), ("square root of", "sqrt")],
    "de": [("ist gleich", "="), ("geteilt durch", "/"), ("zum quadrat", "^2"), ("hoch zwei", "^2"), ("hoch", "^"),
           ("der natürliche logarithmus von", "ln"), ("die wurzel aus", "sqrt")],
    "es": [("es igual a", "="), ("igual a", "="), ("dividido por", "/"), ("dividido entre", "/"),
           ("al cuadrado", "^2"), ("al cubo", "^3"), ("elevado a", "^"), ("el logaritmo natural de", "ln"),
           ("la raíz cuadrada de", "sqrt")],
    "fr": [("est égal à", "="), ("égal à", "="), ("égale à", "="), ("divisé par", "/"), ("au carré", "^2"),
           ("au cube", "^3"), ("puissance", "^"), ("le logarithme népérien de", "ln"), ("la racine carrée de", "sqrt")],
}
_NUMBERS = {
    "en": "zero one two three four five six seven eight nine ten",
    "de": "null eins zwei drei vier fünf sechs sieben acht neun zehn",
    "es": "cero uno dos tres cuatro cinco seis siete ocho nueve diez",
    "fr": "zéro - deux trois quatre cinq six sept huit neuf dix",
}
# "one half", "three halves", "two thirds": a number and a denominator word.
_DENOMINATORS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4}
_GREEK = {
    "delta": r"\Delta", "gamma": r"\gamma", "eta": r"\eta", "lambda": r"\lambda", "rho": r"\rho",
    "sigma": r"\sigma", "mu": r"\mu", "omega": r"\omega", "theta": r"\theta", "epsilon": r"\epsilon",
    "alpha": r"\alpha", "beta": r"\beta", "tau": r"\tau", "phi": r"\phi", "pi": r"\pi", "kappa": r"\kappa",
}
_FUNCTIONS = {"ln": r"\ln", "log": r"\log", "sin": r"\sin", "cos": r"\cos", "sqrt": r"\sqrt"}
# Words before a run that make it an operand of something unsaid ("the integral of n R T over V").
_OPERAND_OF = frozenset("integral derivative integrate differentiate sum integrale ableitung integral derivada "
                        "intégrale dérivée".split())
# "U is three halves n R T": after a lone variable, the verb reads as "equals".
_COPULAS = {"en": "is", "de": "ist", "es": "es", "fr": "est"}
# Single letters that are words of the language, not variables.
_NOT_VARIABLES = {"en": {"a", "I"}, "de": {"a"}, "es": {"a", "e", "o", "u", "y"}, "fr": {"a", "y"}}
# An upper-case variable followed by one of these lower-case letters is subscripted: "T c" is T_c, "C v" is C_v.
_SUBSCRIPTS = frozenset("hcvpif0")

_WORD = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)?|[^\w\s]")

# Every word of every note's sentence is looked up here, so each language's phrases are grouped by their
# first word (in their order: the first that matches wins) and its one-word tokens put in one set, once.
def _by_first_word(phrases: list[tuple[str, str]]) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    grouped: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for phrase, symbol in phrases:
        words = tuple(phrase.split())
        grouped.setdefault(words[0], []).append((words, symbol))
    return grouped


_PHRASES_BY_FIRST_WORD = {code: _by_first_word(phrases) for code, phrases in _PHRASES.items()}
_TOKEN_WORDS = {code: frozenset(_OPERATORS[code]) | frozenset(_GREEK) | frozenset(_FUNCTIONS)
                | frozenset(_DENOMINATORS) | (frozenset(_NUMBERS[code].split()) - {"-"}) for code in _OPERATORS}


@dataclass(frozen=True)
class Formula:
    spoken: str  # the words as said, e.g. "P V equals n R T"
    latex: str  # e.g. "PV = nRT"


def spoken_formulas(sentence: str, language: str | None = "en") -> list[Formula]:
    """The formulas read aloud in ``sentence``, in order; none where the words do not parse whole."""
    code = language if language in _OPERATORS else "en"
    words = _WORD.findall(sentence)
    found: list[Formula] = []
    for start, end in _runs(words, code):
        tokens = _tokens(words[start:end], code)
        if tokens and tokens[-1].latex == "^":  # "... k T to the average": "to the" was a preposition
            tokens.pop()
            end -= 2
        latex = _formula(tokens)
        if latex is None or _OPERAND_OF & {word.casefold() for word in words[max(start - 2, 0):start]}:
            continue
        if " = " not in latex and _named_by_copula(words, start, code):
            start -= 2
            latex = f"{words[start]} = {latex}"
        found.append(Formula(" ".join(words[start:end]), latex))
    return found


def _named_by_copula(words: Sequence[str], start: int, code: str) -> bool:
    """Whether the run at ``start`` follows "U is", a lone upper-case variable (not "A and B is")."""
    if start < 2 or words[start - 1].casefold() != _COPULAS[code]:
        return False
    name = words[start - 2]
    alone = start < 3 or not _formula_word(words, start - 3, code)
    return len(name) == 1 and name.isupper() and name not in _NOT_VARIABLES[code] and alone


@dataclass(frozen=True)
class _Token:
    kind: str  # "var", "num", "greek", "op", "func", "frac"
    latex: str


def _runs(words: Sequence[str], code: str) -> list[tuple[int, int]]:
    """Maximal spans of words that may belong to a formula."""
    runs: list[tuple[int, int]] = []
    position = 0
    while position < len(words):
        length = _formula_word(words, position, code)
        if not length:
            position += 1
            continue
        start = position
        while length:
            position += length
            length = _formula_word(words, position, code) if position < len(words) else 0
        runs.append((start, position))
    return runs


def _formula_word(words: Sequence[str], position: int, code: str) -> int:
    """How many words from ``position`` make one formula token (0: none)."""
    phrase = _phrase_at(words, position, code)
    if phrase is not None:
        return len(phrase[0])
    word = words[position]
    if (len(word) == 1 and word.isalpha() and word not in _NOT_VARIABLES[code]) or word.isdigit():
        return 1
    return 1 if word.casefold() in _TOKEN_WORDS[code] else 0


def _phrase_at(words: Sequence[str], position: int, code: str) -> tuple[tuple[str, ...], str] | None:
    """The first of the language's phrases (its words, its symbol) said from ``position``, if any."""
    for phrase, symbol in _PHRASES_BY_FIRST_WORD[code].get(words[position].casefold(), ()):
        if tuple(word.casefold() for word in words[position:position + len(phrase)]) == phrase:
            return phrase, symbol
    return None


def _tokens(words: Sequence[str], code: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(words):
        phrase = _phrase_at(words, position, code)
        if phrase is not None:
            tokens.append(_operator_or_function(phrase[1]))
            position += len(phrase[0])
            continue
        tokens.append(_token(words[position], code))
        position += 1
    return tokens


def _operator_or_function(symbol: str) -> _Token:
    return _Token("func", _FUNCTIONS[symbol]) if symbol in _FUNCTIONS else _Token("op", symbol)


def _token(word: str, code: str) -> _Token:
    folded = word.casefold()
    if folded in _OPERATORS[code]:
        return _Token("op", _OPERATORS[code][folded])
    if folded in _GREEK:
        return _Token("greek", _GREEK[folded])
    if folded in _FUNCTIONS:
        return _Token("func", _FUNCTIONS[folded])
    if folded in _DENOMINATORS:
        return _Token("frac", str(_DENOMINATORS[folded]))
    if word.isdigit():
        return _Token("num", word)
    if len(word) == 1:
        return _Token("var", word)
    return _Token("num", str(_NUMBERS[code].split().index(folded)))


class _Unparsed(Exception):
    """The words are no formula (a run cut short, two operators in a row)."""


def _formula(tokens: list[_Token]) -> str | None:
    """The LaTeX of a whole run, or None if it is not a formula worth writing."""
    if not any(token.kind in ("var", "greek") for token in tokens):
        return None
    parser = _Parser(tokens)
    try:
        latex = parser.equation()
    except _Unparsed:
        return None
    if parser.position != len(tokens):
        return None
    # A lone variable or product ("Q h", "A B") is a name, not a formula, and a power alone ("v x squared")
    # is often the tail of a phrase ("the average of v x squared"): it needs an operator or a fraction.
    said = {token.latex for token in tokens if token.kind in ("frac", "func")
            or (token.kind == "op" and token.latex in ("=", "+", "-", "*", "/"))}
    return latex if said else None


class _Parser:
    """Recursive descent: equation := sum ('=' sum)*; sum := ['-'] term (('+'|'-') term)*;
    term := product ('/' product)*; product := factor+ ('*' factor+)*; factor := atom (power)*."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.position = 0

    def _peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> _Token:
        token = self._peek()
        if token is None:
            raise _Unparsed
        self.position += 1
        return token

    def _at_op(self, *symbols: str) -> bool:
        token = self._peek()
        return token is not None and token.kind == "op" and token.latex in symbols

    def equation(self) -> str:
        sides = [self.sum()]
        while self._at_op("="):
            self._take()
            sides.append(self.sum())
        return " = ".join(sides)

    def sum(self) -> str:
        text = ""
        if self._at_op("-"):
            self._take()
            text = "-"
        text += self.term()
        while self._at_op("+", "-"):
            sign = self._take().latex
            text += f" {sign} " + self.term()
        return text

    def term(self) -> str:
        text = self.product()
        while self._at_op("/"):
            self._take()
            text = rf"\frac{{{text}}}{{{self.product()}}}"
        return text

    def product(self) -> str:
        factors = [self.factor()]
        while True:
            if self._at_op("*"):
                self._take()
                factors.append(self.factor())
            elif self._peek() is not None and self._peek().kind in ("var", "num", "greek", "func"):
                factors.append(self.factor())
            else:
                break
        return _juxtaposed(factors)

    def factor(self) -> str:
        text = self.atom()
        while self._at_op("^2", "^3", "^"):
            symbol = self._take().latex
            text += symbol if symbol != "^" else "^{" + self.exponent() + "}"
        return text

    def exponent(self) -> str:
        """What follows "to the": "gamma", "minus E i over k T"."""
        sign = ""
        if self._at_op("-"):
            self._take()
            sign = "-"
        return sign + self.term()

    def atom(self) -> str:
        token = self._take()
        if token.kind == "var":
            following = self._peek()
            if (token.latex.isupper() and following is not None and following.kind == "var"
                    and following.latex in _SUBSCRIPTS):
                self._take()
                return f"{token.latex}_{following.latex}"
            return token.latex
        if token.kind == "greek":
            following = self._peek()
            if token.latex == r"\Delta" and following is not None and following.kind == "var":
                return rf"\Delta {self.atom()}"
            return token.latex
        if token.kind == "num":
            following = self._peek()
            if following is not None and following.kind == "frac":
                self._take()
                return rf"\frac{{{token.latex}}}{{{following.latex}}}"
            return token.latex
        if token.kind == "func":
            argument = self.atom()
            return rf"{token.latex}{{{argument}}}" if token.latex == r"\sqrt" else f"{token.latex} {argument}"
        raise _Unparsed


def _juxtaposed(factors: Sequence[str]) -> str:
    """Factors side by side: plain letters run together (PV, nRT); anything else gets a space."""
    text = factors[0]
    for previous, factor in zip(factors, factors[1:]):
        if previous.isdigit() and factor.isdigit():
            text += r" \times " + factor
        elif _plain(previous) and _plain(factor):
            text += factor
        else:
            text += " " + factor
    return text


def _plain(factor: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z]+(?:_[a-z0-9])?", factor)) and "_" not in factor
