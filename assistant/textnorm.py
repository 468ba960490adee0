"""Text clean-up shared by every reader.

Two different jobs live here and must not be confused:

* :func:`clean_text` produces what the user sees: whitespace collapsed, LaTeX
  escapes and BibTeX case-protecting braces turned into plain Unicode, control
  characters removed. The words are kept as written.
* :func:`title_key` produces the de-duplication key: casefolded, accents and
  punctuation removed. Two records with the same key are the same paper.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# LaTeX accent commands -> Unicode combining marks.
_ACCENTS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "k": "\u0328", "r": "\u030a",
}
_SYMBOLS = {
    r"\&": "&", r"\%": "%", r"\$": "$", r"\#": "#", r"\_": "_", r"\{": "{", r"\}": "}",
    r"\ss": "ß", r"\o": "ø", r"\O": "Ø", r"\ae": "æ", r"\AE": "Æ", r"\aa": "å",
    r"\AA": "Å", r"\l": "ł", r"\L": "Ł", r"\i": "ı", r"\textendash": "–",
    r"\textemdash": "—", r"\textquoteright": "’", r"\ldots": "…", r"\dots": "…",
    r"\textregistered": "®", r"\texttrademark": "™", r"\times": "×", r"\pm": "±",
    r"\alpha": "α", r"\beta": "β", r"\gamma": "γ", r"\delta": "δ", r"\epsilon": "ε",
    r"\lambda": "λ", r"\mu": "μ", r"\pi": "π", r"\sigma": "σ", r"\tau": "τ",
    r"\theta": "θ", r"\phi": "φ", r"\omega": "ω", r"\infty": "∞", r"\approx": "≈",
    r"\leq": "≤", r"\geq": "≥", r"\sim": "~",
}
_ACCENT_RE = re.compile(r"""\\(["'`^~=.uvHckr])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))""")
_SYMBOL_RE = re.compile(
    "|".join(re.escape(k) + (r"(?![A-Za-z])" if k[-1].isalpha() else "") for k in sorted(_SYMBOLS, key=len, reverse=True))
)
_TEXTCMD_RE = re.compile(r"\\(?:textbf|textit|emph|textrm|textsc|texttt|mathrm|mathbf|mathcal|text|url)\s*\{([^{}]*)\}")
# control characters, zero-width marks, and the bidi overrides/isolates that can make a title display reversed
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_WS_RE = re.compile(r"\s+")
_VARIATION_RE = re.compile(r"[\ufe00-\ufe0f\U000e0100-\U000e01ef]")  # "❤️" is "❤" shown as an emoji
_TAG_RE = re.compile(r"</?(?:i|b|em|strong|sub|sup|span|p|br|jats:[a-z]+)\b[^>]*>", re.I)


def _accent(match: re.Match[str]) -> str:
    letter = match.group(2) or match.group(3)
    if letter in (r"\i", r"\j"):
        letter = letter[1]
    return unicodedata.normalize("NFC", letter + _ACCENTS[match.group(1)])


def delatex(text: str) -> str:
    """Turn the LaTeX that reference managers emit into plain Unicode text."""
    if "\\" not in text and "{" not in text and "$" not in text:
        return text
    text = _ACCENT_RE.sub(_accent, text)
    text = _SYMBOL_RE.sub(lambda m: _SYMBOLS[m.group(0)], text)
    for _ in range(3):  # nested \emph{\textbf{x}}
        text = _TEXTCMD_RE.sub(r"\1", text)
    text = text.replace("---", "—").replace("--", "–")
    # Inline math like $O(n)$: keep the content, drop the dollars.
    text = re.sub(r"(?<!\\)\$([^$]{1,80})\$", r"\1", text)
    # BibTeX case-protection braces: {BERT} -> BERT.
    text = re.sub(r"(?<!\\)[{}]", "", text)
    return text


def clean_text(text: str) -> str:
    """What the user sees: one line, plain Unicode, words as written."""
    text = unicodedata.normalize("NFC", text)
    text = _TAG_RE.sub("", text)
    text = delatex(text)
    text = _CONTROL_RE.sub(" ", text)
    return _WS_RE.sub(" ", text).strip()


def title_key(title: str) -> str:
    """De-duplication key: casefolded, accent- and punctuation-free.

    A title with no letter or digit at all ("???", "🚀🚀") would lose everything to that, and
    all such titles would share one key; its symbols are then the key instead (whitespace
    collapsed, emoji variation selectors dropped). Such a key holds no word character, so it
    never equals the key of a title that has one, and those keys (and the paper ids made from
    them, which the bundled vectors are stored under) are as they always were.
    """
    text = unicodedata.normalize("NFKD", clean_text(title).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = re.findall(r"\w+", text)
    if words:
        return " ".join(words)
    return " ".join(_VARIATION_RE.sub("", text).split()) or " ".join(text.split())


def paper_id_for(title: str) -> str:
    """Stable id of a paper: the same title gives the same id in every file and run."""
    return hashlib.sha1(title_key(title).encode("utf-8")).hexdigest()[:12]


_ABBREV = ("e.g.", "i.e.", "et al.", "vs.", "cf.", "Fig.", "fig.", "Eq.", "eq.", "Sec.", "approx.", "resp.", "etc.", "No.")
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
