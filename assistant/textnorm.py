"""Text clean-up shared by every reader.

Two different jobs live here and must not be confused:

* :func:`clean_text` produces what the user sees: whitespace collapsed, control and
  invisible characters removed, HTML-ish tags dropped, and, for text that is TeX
  (``markup``), TeX commands, accents and case-protecting braces turned into plain
  Unicode. The words are kept as written.
* :func:`title_key` produces the de-duplication key: casefolded, accents and
  punctuation removed. Two records with the same key are the same paper.

What ``markup`` a text has is the reader's to say, because only the format knows:

* ``"plain"``: text as typed (CSV, JSON Lines, RIS, CSL JSON). Nothing is decoded: a
  ``$`` is a dollar and a brace is a brace.
* ``"tex"``: prose holding TeX fragments, as arXiv abstracts do (the arXiv metadata
  snapshot, and Hugging Face pages that show arXiv abstracts). Control words,
  accents, escapes, inline math and braces are decoded; characters typed at the
  keyboard (``~`` for "about", ``--``) are kept as typed, as arXiv shows them.
* ``"bibtex"``: a BibTeX field value. Everything of ``"tex"``, plus TeX's text
  conventions: ``--``/``---`` are dashes, ``~`` is a (tie) space, ```` ``x'' ```` are
  curly quotes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Literal

Markup = Literal["plain", "tex", "bibtex"]
MARKUPS: tuple[Markup, ...] = ("plain", "tex", "bibtex")

# control characters, zero-width marks, and the bidi overrides/isolates that can make a title display reversed
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# Unicode tag characters: invisible, yet read by language models (a known way to smuggle instructions)
_TAG_CHARS_RE = re.compile(r"[\U000e0000-\U000e007f]")
_WS_RE = re.compile(r"\s+")
_VARIATION_RE = re.compile(r"[\ufe00-\ufe0f\U000e0100-\U000e01ef]")  # "❤️" is "❤" shown as an emoji
_TAG_RE = re.compile(r"</?(?:i|b|em|strong|sub|sup|span|p|br|jats:[a-z]+)\b[^>]*>", re.I)
_ID_ESCAPE_RE = re.compile(r"\\([_%&#$~])|(?<!\\)[{}]")

# ---------------------------------------------------------------- TeX tables

# Accents written as a control symbol (\'e) or a one-letter control word (\c c, \v{s}).
_ACCENT_SYMBOLS = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
                   ".": "\u0307"}
_ACCENT_WORDS = {"u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328", "r": "\u030a",
                 "b": "\u0331", "d": "\u0323", "t": "\u0361"}
_SPACING_ACCENTS = {'"': '"', "'": "'", "`": "`", "^": "^", "~": "~", "=": "=", ".": "."}  # \~{} is a tilde

# Text-mode control words with a character of their own. Like TeX, they swallow the spaces after them
# ("\ss e" is "ße", "2010\textendash 2015" is "2010–2015").
_TEXT_WORDS: dict[str, str] = {
    "ss": "ß", "SS": "SS", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å",
    "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð", "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ",
    "dj": "đ", "DJ": "Đ",
    "textendash": "–", "textemdash": "—", "textquoteleft": "‘", "textquoteright": "’", "textquotedblleft": "“",
    "textquotedblright": "”", "textquotesingle": "'", "textquotedbl": '"', "quotedblbase": "„",
    "quotesinglbase": "‚", "guillemotleft": "«", "guillemotright": "»", "guillemetleft": "«",
    "guillemetright": "»", "guilsinglleft": "‹", "guilsinglright": "›", "ldots": "…", "dots": "…",
    "textellipsis": "…", "textless": "<", "textgreater": ">", "textbackslash": "\\", "textasciitilde": "~",
    "textasciicircum": "^", "textasciigrave": "`", "textasciiacute": "´", "textasciidieresis": "¨",
    "textasciimacron": "¯", "textasciicaron": "ˇ", "textasciibreve": "˘", "textbar": "|", "textbardbl": "‖",
    "textbrokenbar": "¦", "texttimes": "×", "textdiv": "÷", "textpm": "±", "textminus": "−",
    "textperiodcentered": "·", "textbullet": "•", "textdagger": "†", "textdaggerdbl": "‡", "dag": "†",
    "ddag": "‡", "textsection": "§", "S": "§", "textparagraph": "¶", "P": "¶", "textdegree": "°",
    "textcelsius": "℃", "textmu": "µ", "textohm": "Ω", "textperthousand": "‰", "textpertenthousand": "‱",
    "textonehalf": "½", "textonequarter": "¼", "textthreequarters": "¾", "textonesuperior": "¹",
    "texttwosuperior": "²", "textthreesuperior": "³", "textunderscore": "_", "textbraceleft": "{",
    "textbraceright": "}", "textdollar": "$", "textsterling": "£", "pounds": "£", "texteuro": "€", "euro": "€",
    "textyen": "¥", "textcent": "¢", "textcurrency": "¤", "textexclamdown": "¡", "textquestiondown": "¿",
    "textordfeminine": "ª", "textordmasculine": "º", "textlnot": "¬", "textnumero": "№", "copyright": "©",
    "textcopyright": "©", "textregistered": "®", "texttrademark": "™", "textservicemark": "℠",
    "textcircledP": "℗", "textreferencemark": "※", "textinterrobang": "‽", "textleftarrow": "←",
    "textrightarrow": "→", "textuparrow": "↑", "textdownarrow": "↓", "textvisiblespace": "␣",
    "textfractionsolidus": "⁄", "checkmark": "✓", "slash": "/", "hyphen": "-", "textendash{}": "–",
    "textcompwordmark": "", "textnbhyphen": "-",
}
_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "varkappa": "ϰ", "lambda": "λ",
    "mu": "μ", "nu": "ν", "xi": "ξ", "omicron": "ο", "pi": "π", "varpi": "ϖ", "rho": "ρ", "varrho": "ϱ",
    "sigma": "σ", "varsigma": "ς", "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
_TEXT_WORDS.update({f"text{name}": char for name, char in _GREEK.items()})  # textgreek's \textalpha
del _TEXT_WORDS["textendash{}"]
# Math symbols. Spaces after them are kept as typed: in math TeX ignores them, so the author's spacing
# ("a \times b", "\alpha and \beta") is the best guide to what a reader should see.
_MATH_WORDS: dict[str, str] = {
    **_GREEK,
    "times": "×", "cdot": "⋅", "div": "÷", "pm": "±", "mp": "∓", "ast": "∗", "star": "⋆", "circ": "∘",
    "bullet": "∙", "oplus": "⊕", "otimes": "⊗", "odot": "⊙", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥",
    "leqslant": "⩽", "geqslant": "⩾", "neq": "≠", "ne": "≠", "ll": "≪", "gg": "≫", "approx": "≈", "sim": "~",
    "simeq": "≃", "cong": "≅", "equiv": "≡", "propto": "∝", "lesssim": "≲", "gtrsim": "≳", "prec": "≺",
    "succ": "≻", "infty": "∞", "partial": "∂", "nabla": "∇", "sum": "∑", "prod": "∏", "int": "∫", "oint": "∮",
    "sqrt": "√", "forall": "∀", "exists": "∃", "nexists": "∄", "neg": "¬", "lnot": "¬", "wedge": "∧",
    "land": "∧", "vee": "∨", "lor": "∨", "in": "∈", "notin": "∉", "ni": "∋", "subset": "⊂", "subseteq": "⊆",
    "supset": "⊃", "supseteq": "⊇", "cup": "∪", "cap": "∩", "setminus": "∖", "emptyset": "∅",
    "varnothing": "∅", "rightarrow": "→", "to": "→", "leftarrow": "←", "gets": "←", "leftrightarrow": "↔",
    "Rightarrow": "⇒", "Leftarrow": "⇐", "Leftrightarrow": "⇔", "implies": "⟹", "iff": "⟺",
    "longrightarrow": "⟶", "longleftarrow": "⟵", "Longrightarrow": "⟹", "mapsto": "↦", "uparrow": "↑",
    "downarrow": "↓", "Uparrow": "⇑", "Downarrow": "⇓", "nearrow": "↗", "searrow": "↘",
    "hookrightarrow": "↪", "rightleftharpoons": "⇌", "ell": "ℓ", "hbar": "ℏ", "Re": "ℜ", "Im": "ℑ",
    "aleph": "ℵ", "wp": "℘", "prime": "′", "angle": "∠", "perp": "⊥", "parallel": "∥", "mid": "∣",
    "vdash": "⊢", "models": "⊨", "top": "⊤", "bot": "⊥", "langle": "⟨", "rangle": "⟩", "lceil": "⌈",
    "rceil": "⌉", "lfloor": "⌊", "rfloor": "⌋", "cdots": "⋯", "vdots": "⋮", "ddots": "⋱", "triangle": "△",
    "Box": "□", "square": "□", "diamond": "⋄", "dagger": "†", "ddagger": "‡", "degree": "°", "lbrace": "{",
    "rbrace": "}", "backslash": "\\", "vert": "|", "Vert": "‖", "colon": ":", "circledR": "®",
    **{name: name for name in ("log", "ln", "lg", "exp", "sin", "cos", "tan", "max", "min", "arg", "argmax",
                               "argmin", "lim", "det", "sup", "inf", "Pr", "dim", "ker", "deg", "gcd")},
}
# Commands whose argument is the text (\emph{x} is x); without an argument they are font switches.
_WRAPPERS = frozenset({
    "emph", "textbf", "textit", "textrm", "textsf", "texttt", "textsc", "textsl", "textup", "textmd",
    "textnormal", "text", "mbox", "hbox", "makebox", "ensuremath", "mathrm", "mathbf", "mathit", "mathsf",
    "mathtt", "mathcal", "mathbb", "mathfrak", "mathscr", "mathnormal", "boldsymbol", "bm", "operatorname",
    "MakeUppercase", "MakeLowercase", "uppercase", "lowercase", "textsuperscript", "textsubscript", "underline",
    "hat", "widehat", "bar", "overline", "tilde", "widetilde", "vec", "dot", "ddot", "footnote", "enquote",
    "textcolor", "colorbox", "NoCaseChange", "nocase", "foreignlanguage", "textenglish", "mkbibquote",
    "mkbibemph", "mkbibitalic", "mkbibbold", "mkbibacro",
})
_TWO_ARGS_SECOND = frozenset({"textcolor", "colorbox", "foreignlanguage"})  # \textcolor{red}{x} is x
# Commands that print nothing (font and size switches, spacing fixes, \relax).
_SWITCHES = frozenset({
    "rm", "it", "bf", "sf", "tt", "sc", "sl", "em", "up", "md", "normalfont", "relax", "protect", "tiny",
    "scriptsize", "footnotesize", "small", "normalsize", "large", "Large", "LARGE", "huge", "Huge",
    "displaystyle", "textstyle", "scriptstyle", "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr",
    "Bigl", "Bigr", "biggl", "biggr", "middle", "nobreak", "noindent", "newblock", "ignorespaces", "xspace",
    "allowbreak", "hfill", "vfill", "nobreakdash", "limits", "nolimits", "centering", "raggedright",
    "unskip", "null", "strut", "leavevmode", "hskip0pt", "ensureascii",
})
_SPACE_WORDS = frozenset({"quad", "qquad", "enspace", "thinspace", "medspace", "thickspace", "space", "par",
                          "linebreak", "newline", "smallskip", "medskip", "bigskip"})
# Commands whose argument is not text (a sort key, a label, a length): dropped with it.
_DROP_ARG = frozenset({"noopsort", "label", "index", "cite", "citep", "citet", "citealp", "ref", "eqref",
                       "pageref", "vspace", "hphantom", "vphantom", "phantom", "thanks", "nocite", "color"})
_SUPERSCRIPTS = str.maketrans("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ")
_SUBSCRIPTS = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_ESCAPES = frozenset("&%$#_{}")
_GLUED_PREFIXES = sorted((w for w in _TEXT_WORDS if w.startswith("text") and len(w) > 5), key=len, reverse=True)
_SPECIAL = {"tex": re.compile(r"[\\{}$`']"), "bibtex": re.compile(r"[\\{}$`'~-]")}
_MATH_SPECIAL = re.compile(r"[\\{}]")
_INLINE_MATH_MAX = 80  # "$20 ... $30" in prose is money, not math: only short spans are math


class _TeX:
    """A small TeX reader: one pass over the text, groups and arguments read recursively."""

    def __init__(self, text: str, bibtex: bool) -> None:
        self.s = text
        self.n = len(text)
        self.bibtex = bibtex

    def decode(self) -> str:
        return self.group(0, closing=False, math=False)[0]

    def group(self, i: int, closing: bool, math: bool) -> tuple[str, int]:
        """Decode from ``i`` to the ``}`` closing this group (``closing``) or the end; return text and end."""
        s, out = self.s, []
        special = _MATH_SPECIAL if math else _SPECIAL["bibtex" if self.bibtex else "tex"]
        while i < self.n:
            m = special.search(s, i)
            if m is None:
                out.append(s[i:])
                i = self.n
                break
            if m.start() > i:
                out.append(s[i:m.start()])
            i = m.start()
            c = s[i]
            if c == "\\":
                text, i = self.command(i, math)
                out.append(text)
            elif c == "{":
                text, i = self.group(i + 1, closing=True, math=math)
                out.append(text)
            elif c == "}":
                i += 1
                if closing:
                    return "".join(out), i
                # a stray closing brace: dropped
            elif c == "$":
                text, i = self.math(i)
                out.append(text)
            elif c == "`":
                if s.startswith("``", i):
                    out.append("“")
                    i += 2
                else:
                    out.append("‘" if self.bibtex else "`")
                    i += 1
            elif c == "'":
                if s.startswith("''", i):
                    out.append("”")
                    i += 2
                else:
                    out.append("'")
                    i += 1
            elif c == "-":  # bibtex only
                if s.startswith("---", i):
                    out.append("—")
                    i += 3
                elif s.startswith("--", i):
                    out.append("–")
                    i += 2
                else:
                    out.append("-")
                    i += 1
            else:  # "~" in bibtex: a tie, a space that does not break
                out.append(" ")
                i += 1
        return "".join(out), i

    def math(self, i: int) -> tuple[str, int]:
        """``$...$`` (or ``$$...$$``): the content decoded as math, dollars dropped; a lone ``$`` is kept."""
        s = self.s
        delim = "$$" if s.startswith("$$", i) else "$"
        start = i + len(delim)
        end = s.find(delim, start)
        while end > 0 and s[end - 1] == "\\":  # an escaped \$ inside
            end = s.find(delim, end + 1)
        if end <= start or end - start > _INLINE_MATH_MAX * len(delim) or "$" in s[start:end].replace("\\$", ""):
            return "$", i + 1
        return _TeX(s[start:end], self.bibtex).group(0, closing=False, math=True)[0], end + len(delim)

    def skip_spaces(self, i: int) -> int:
        while i < self.n and self.s[i] in " \t\n\r":
            i += 1
        return i

    def argument(self, i: int, math: bool) -> tuple[str, int]:
        """One macro argument at ``i`` (spaces before it skipped): a group, a command, or one character."""
        i = self.skip_spaces(i)
        if i >= self.n or self.s[i] == "}":
            return "", i
        if self.s[i] == "{":
            return self.group(i + 1, closing=True, math=math)
        if self.s[i] == "\\":
            return self.command(i, math)
        return self.s[i], i + 1

    def raw_group(self, i: int) -> tuple[str | None, int]:
        """The undecoded text of the group at ``i`` (spaces skipped), or None if no group starts there."""
        i = self.skip_spaces(i)
        if i >= self.n or self.s[i] != "{":
            return None, i
        depth, j = 0, i
        while j < self.n:
            c = self.s[j]
            if c == "\\":
                j += 2
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return self.s[i + 1:j], j + 1
            j += 1
        return self.s[i + 1:], self.n

    @staticmethod
    def accent(mark: str, arg: str, spacing: str) -> str:
        if not arg:
            return spacing
        base = {"ı": "i", "ȷ": "j"}.get(arg[0], arg[0])
        return unicodedata.normalize("NFC", base + mark) + arg[1:]

    def command(self, i: int, math: bool) -> tuple[str, int]:
        """The command starting with the backslash at ``i``: its text and where it ends."""
        s = self.s
        if i + 1 >= self.n:
            return "\\", i + 1
        c = s[i + 1]
        if not ("a" <= c <= "z" or "A" <= c <= "Z"):
            return self.control_symbol(c, i, math)
        j = i + 1
        while j < self.n and ("a" <= s[j] <= "z" or "A" <= s[j] <= "Z"):
            j += 1
        name = s[i + 1:j]
        k = self.skip_spaces(j)  # TeX: a control word swallows the spaces after it
        spaced = k > j
        if name in _ACCENT_WORDS:  # one letter, no letter after it: \c c, \v{s}, \r{a}
            letter, k = self.argument(k, math)
            return self.accent(_ACCENT_WORDS[name], letter, ""), k
        if name in _TEXT_WORDS:
            if s.startswith("{}", k):
                k += 2
            return _TEXT_WORDS[name], k
        if name in _MATH_WORDS:
            if s.startswith("{}", k):
                k += 2
            return _MATH_WORDS[name] + (" " if spaced else ""), k
        if name in _WRAPPERS:
            if k >= self.n or s[k] != "{":
                return "", k  # used as a switch
            if name in _TWO_ARGS_SECOND:
                _, k = self.raw_group(k)
            text, k = self.argument(k, math)
            if name == "textsuperscript" and text.translate(_SUPERSCRIPTS) != text and \
                    all(ch in "0123456789+-=()ni" for ch in text):
                text = text.translate(_SUPERSCRIPTS)
            elif name == "textsubscript" and text and all(ch in "0123456789+-=()" for ch in text):
                text = text.translate(_SUBSCRIPTS)
            return text, k
        if name in _SWITCHES:
            return "", k
        if name in _SPACE_WORDS:
            return " ", k
        if name in ("hspace", "hspacestar"):
            if s.startswith("*", k):
                k += 1
            arg, k = self.raw_group(k)
            return ("" if arg is not None and re.fullmatch(r"\s*-?0*\.?0*\s*(?:pt|em|ex|mm|cm|in|bp|mu)?\s*", arg)
                    else " "), k
        if name in _DROP_ARG:
            if s.startswith("[", k):  # an optional argument: \cite[p. 3]{key}
                close = s.find("]", k)
                k = self.skip_spaces(close + 1) if close > 0 else k
            arg, k2 = self.raw_group(k)
            return ("", k2) if arg is not None else ("", k)
        if name in ("url", "path", "nolinkurl"):
            arg, k2 = self.raw_group(k)
            return (arg, k2) if arg is not None else ("", k)
        if name == "href":
            url, k2 = self.raw_group(k)
            if url is None:
                return "", k
            text, k2 = self.argument(k2, math)
            return text or url, k2
        if name in ("frac", "dfrac", "tfrac"):
            top, k2 = self.argument(k, math)
            bottom, k2 = self.argument(k2, math)
            return f"{top}/{bottom}", k2
        for prefix in _GLUED_PREFIXES:  # "\textlessi\textgreater": a symbol glued to the next word
            if name.startswith(prefix):
                return _TEXT_WORDS[prefix], i + 1 + len(prefix)
        # A macro we do not know (an author's \name, \ie): kept as written, never turned into an accent or
        # into an ordinary word that would say something else.
        if s.startswith("{}", k):
            return "\\" + name, k + 2
        return "\\" + name + (" " if spaced or s.startswith("{", k) else ""), k

    def control_symbol(self, c: str, i: int, math: bool) -> tuple[str, int]:
        if c in _ACCENT_SYMBOLS and not (math and c in "'`"):
            arg, k = self.argument(i + 2, math)
            return self.accent(_ACCENT_SYMBOLS[c], arg, _SPACING_ACCENTS[c]), k
        if c in _ESCAPES:
            return c, i + 2
        if c in " \t\n\r\\,;:>":  # a control space, a line break, thin/medium spaces
            return " ", i + 2
        if c in "!-/@":  # negative thin space, discretionary hyphen, italic correction, sentence spacing
            return "", i + 2
        if c == "|":
            return "‖", i + 2
        return "\\" + c, i + 2  # \( \) \5 ...: kept as written


# Math written with LaTeX's own delimiters, ``\( … \)`` and ``\[ … \]``: read like ``$ … $``.
_PAREN_MATH_RE = re.compile(rf"\\\((.{{1,{_INLINE_MATH_MAX}}}?)\\\)|\\\[(.{{1,{_INLINE_MATH_MAX}}}?)\\\]", re.S)
# What is left of a macro whose backslash a web page already dropped: "6.7times faster" (``6.7\times``),
# "ARTcdotV" (``ART\cdot V``). Only where no word can be meant: a number glued to "times", and "cdot" glued
# between a letter or digit and a capital or digit.
_BARE_TIMES_RE = re.compile(r"(?<=\d)times\b")
_BARE_CDOT_RE = re.compile(r"(?<=[A-Za-z0-9])cdot(?=[A-Z0-9])")


def delatex(text: str, bibtex: bool = False) -> str:
    """Turn TeX into plain Unicode text; ``bibtex`` adds TeX's text ligatures (dashes, ties, quotes)."""
    text = _PAREN_MATH_RE.sub(lambda m: f"${m.group(1) or m.group(2)}$", text)
    text = _BARE_CDOT_RE.sub("·", _BARE_TIMES_RE.sub("×", text))
    if not _SPECIAL["bibtex" if bibtex else "tex"].search(text):
        return text
    return _TeX(text, bibtex).decode()


def _plain(text: str) -> str:
    """Whitespace collapsed to one line, tags and invisible characters removed, NFC. Idempotent."""
    text = unicodedata.normalize("NFC", text)
    while True:  # "<<i>i>" is a tag again once the inner one is gone
        stripped = _TAG_RE.sub("", text)
        if stripped == text:
            break
        text = stripped
    text = unicodedata.normalize("NFC", _CONTROL_RE.sub(" ", text))
    return _WS_RE.sub(" ", text).strip()


def clean_text(text: str, markup: Markup = "plain") -> str:
    """What the user sees: one line, plain Unicode, words as written; TeX decoded if ``markup`` says so.

    The result is always its own clean-up as plain text: ``clean_text(clean_text(x, m)) == clean_text(x, m)``.
    """
    text = _TAG_CHARS_RE.sub("", text)
    if markup != "plain":
        text = delatex(unicodedata.normalize("NFC", text), bibtex=markup == "bibtex")
    return _plain(text)


def clean_identifier(text: str, markup: Markup = "plain") -> str:
    """A DOI, URL or arXiv id: only TeX's escapes (``\\_``, ``\\%``) and braces undone, never dashes or ties."""
    if markup != "plain":
        text = _ID_ESCAPE_RE.sub(lambda m: m.group(1) or "", text)
    return clean_text(text)


def title_key(title: str) -> str:
    """De-duplication key: casefolded, accent- and punctuation-free.

    TeX in the title is decoded first, so ``Caf\\'e`` and ``Café`` share a key.
    A title with no letter or digit at all ("???", "🚀🚀") would lose everything to that, and
    all such titles would share one key; its symbols are then the key instead (whitespace
    collapsed, emoji variation selectors dropped). Such a key holds no word character, so it
    never equals the key of a title that has one, and those keys (and the paper ids made from
    them, which the bundled vectors are stored under) are as they always were.
    """
    text = unicodedata.normalize("NFKD", clean_text(title, "tex").casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = re.findall(r"\w+", text)
    if words:
        return " ".join(words)
    return " ".join(_VARIATION_RE.sub("", text).split()) or " ".join(text.split())


def paper_id_for(title: str) -> str:
    """Stable id of a paper: the same title gives the same id in every file and run."""
    return hashlib.sha1(title_key(title).encode("utf-8")).hexdigest()[:12]


_ABBREV = ("e.g.", "i.e.", "et al.", "vs.", "cf.", "Fig.", "fig.", "Eq.", "eq.", "Sec.", "approx.", "resp.", "etc.",
           "No.")
_SENT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping abbreviations and decimals intact."""
    parts = _SENT_RE.split(text.strip())
    out: list[str] = []
    for part in parts:
        if out and out[-1].endswith(_ABBREV):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return [s for s in (p.strip() for p in out) if s]
