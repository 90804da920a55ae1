"""The words around a quotation that say where it came from: a post, or something spoken.

A post: ``tweeted``, ``posted``, ``skeeted``, ``in a post``, ``in a message on``, ``on X``,
``on Truth Social``, ``wrote on Bluesky``, ``told her followers``…; spoken (or printed
elsewhere): ``told reporters``, ``at a press conference``, ``in an interview``, ``during a
hearing``, ``on a call``, ``in a statement``, ``on TV``…. And who said it: a name or handle
beside a speech verb. Pure: no I/O.
"""

# Typographic quotation marks and dashes are what this module reads.
# ruff: noqa: RUF001

from __future__ import annotations

import re
from typing import Final

_PLATFORMS: Final = (
    r"(?-i:X)|Twitter|Mastodon|Blue\s?sky|Threads|Truth\s+Social|Facebook|Instagram|TikTok"
    r"|Telegram|Reddit|LinkedIn|YouTube|Weibo|Gab|Parler|Substack\s+Notes|Nostr|social\s+media"
)
#: Words that name a post outright.
STRONG: Final = re.compile(
    r"\b(?:re)?tweet(?:s|ed|ing)?\b|\bskeet(?:s|ed|ing)?\b|\btoot(?:ed)?\b|\bposted\b"
    r"|\b(?:a|an|the|his|her|their|its|this|that|one|another|later|earlier|separate|latest"
    r"|subsequent|follow-up|social[- ]media|(?-i:[A-Z])\w+(?:['’]s)?)\s+(?:\w+\s+)?(?-i:posts?)\b"
    r"(?!\s+(?:as|of|at|in\s+the\s+(?:cabinet|administration|government))\b)"
    r"|\bin\s+(?:a|an|the|his|her|their|one|another)\s+(?:\w+\s+){0,2}?"
    r"(?:thread|reply|message|update|caption|video|livestream|statement)\s+"
    rf"(?:on|to|posted)\s+(?:{_PLATFORMS}|(?:his|her|their|its)\s+(?:\w+\s+){{0,2}}(?:account|feed|page|channel))\b"
    rf"|\b(?:wrote|said|declared|replied|responded|announced)\s+(?:on|to)\s+(?:{_PLATFORMS})\b"
    r"|\btold\s+(?:his|her|their|its)\s+(?:\d[\d,.]*\s+(?:million\s+)?)?(?:followers|subscribers|fans)\b",
    re.IGNORECASE,
)
#: Words that place a quotation on a platform without naming a post.
WEAK: Final = re.compile(
    rf"\b(?:on|to|via)\s+(?:{_PLATFORMS})\b"
    r"|\bon\s+(?:his|her|their|its)\s+(?:[\w-]+\s+){0,2}(?:account|feed|page|channel|profile|timeline)\b"
    r"|(?<![\w.])@[A-Za-z0-9_]{2,30}\b",
    re.IGNORECASE,
)
#: Words that say a quotation was spoken, or printed somewhere other than a post.
SPOKEN: Final = re.compile(
    r"\b(?:press|news)\s+(?:conference|briefing)s?\b|\bbriefing\b|\binterviews?\b|\bhearings?\b"
    r"|\btestif(?:y|ied|ying)\b|\btestimony\b|\brally\b|\bspeech\b|\bremarks\b|\bstatements?\b"
    r"|\b(?:phone|conference|earnings|zoom|video)\s+call\b|\bon\s+a\s+call\b|\bpodcast\b"
    r"|\bradio\b|\btelevision\b|\bon\s+(?:TV|air)\b|\btelevised\b|\bbroadcast\b|\btown\s+hall\b"
    r"|\bdebate\b|\bpress\s+release\b|\btold\b|\breporters\b|\bjournalists\b|\bsermon\b"
    r"|\blecture\b|\bkeynote\b|\bop-ed\b|\bletter\b|\bmemo\b|\bemail\b|\bcourt\s+filing\b"
    r"|\bsaid\s+(?:on|to)\s+(?:CNN|Fox|MSNBC|NBC|CBS|ABC|BBC|NPR|PBS|Sky)\b|\bsaid\s+aloud\b",
    re.IGNORECASE,
)
#: Words just before a quotation that make it a title or a name, not a quote.
TITLE_CUE: Final = re.compile(
    r"\b(?:titled|entitled|called|named|dubbed|nicknamed|headlined|the\s+headline|book|film"
    r"|movie|song|album|show|series|documentary|podcast|hashtag|slogan|so-called|known\s+as)"
    r"\s*,?\s*$",
    re.IGNORECASE,
)
#: A determiner just before a quotation of three words or fewer: a label (the "hit piece" claim).
LABEL_CUE: Final = re.compile(
    r"\b(?:the|a|an|this|that|these|those|his|her|their|its|our|your|my|such)\s*$",
    re.IGNORECASE,
)
#: A speech verb that says the words were written (for resolving "she wrote" to a post's author).
WROTE: Final = re.compile(
    r"\b(?:wr(?:ote|ites)|tweet(?:ed|s)|post(?:ed|s)|skeet(?:ed|s)|in\s+the\s+(?:post|tweet|message))\b",
    re.IGNORECASE,
)

_VERB: Final = (
    r"(?:wr(?:ote|ites)|sa(?:id|ys)|tweet(?:ed|s)|post(?:ed|s)|add(?:ed|s)|skeet(?:ed|s)"
    r"|repl(?:ied|ies)|argu(?:ed|es)|claim(?:ed|s)|declar(?:ed|es)|insist(?:ed|s)|warn(?:ed|s)"
    r"|continu(?:ed|es)|shared|responded|retorted|quipped|fumed|urged|announced|accused"
    r"|called|suggested|asserted|complained|boasted|mocked)"
)
_WORD: Final = r"(?:[A-Z][\w'’.-]*|@\w{1,30}|de|van|von|der|da|del|la|le|bin|al)"
_NAME: Final = rf"(?:@\w{{1,30}}(?:@[\w.-]+)?|[A-Z][\w'’.-]*(?:[ \t]+{_WORD}){{0,5}})"
_ADVERBS: Final = (
    r"(?:(?:later|also|then|again|previously|once|had|has|have|would|recently|quickly|soon"
    r"|separately|initially|earlier|first|angrily|simply|just)\s+){0,2}"
)
_NAME_THEN_VERB: Final = re.compile(rf"(?P<name>{_NAME})(?:,[^,|]{{1,80}},)?\s+{_ADVERBS}{_VERB}\b")
_VERB_THEN_NAME: Final = re.compile(rf"\b{_VERB}\s+(?P<name>{_NAME})")
#: ``Name (@handle) posted``: the handle is the surer name (it finds the post in the archive).
_HANDLE_THEN_VERB: Final = re.compile(
    rf"\(\s*(?P<name>@\w{{1,30}}(?:@[\w.-]+)?)\s*\),?\s+{_ADVERBS}{_VERB}\b"
)
#: ``wrote that`` just before a quotation: ``that`` joins a clause, it does not make a label.
SAID_THAT: Final = re.compile(rf"\b{_VERB}\s+that\s*$", re.IGNORECASE)
_PRONOUN: Final = re.compile(r"\b(?:he|she|they|it|we|i)\s+" + _ADVERBS + _VERB + r"\b", re.I)

_LEADING_WORDS: Final = frozenset(
    {
        "the", "a", "an", "in", "on", "at", "but", "and", "or", "so", "yet", "it", "this",
        "that", "he", "she", "they", "we", "i", "later", "then", "when", "after", "before",
        "earlier", "yesterday", "today", "tonight", "monday", "tuesday", "wednesday",
        "thursday", "friday", "saturday", "sunday", "x", "twitter", "bluesky", "mastodon",
        "threads", "facebook", "instagram", "tiktok", "telegram", "truth", "social", "still",
        "meanwhile", "also", "there", "here", "his", "her", "their", "its", "as", "while",
        "mayor", "governor", "gov.", "senator", "sen.", "rep.", "representative", "president",
        "vice", "prime", "minister", "secretary", "dr.", "mr.", "mrs.", "ms.", "judge",
        "justice", "chief", "councilmember", "councilwoman", "councilman", "commissioner",
        "sheriff", "gen.", "general", "prof.", "professor", "rev.", "speaker", "leader",
        "ceo", "chancellor", "attorney", "superintendent", "former", "state", "city", "county",
        "deputy", "acting", "chair", "chairman", "chairwoman", "candidate", "lt.", "col.",
        "director", "port", "transit", "union", "council", "board", "party", "member",
        "officer", "spokesperson", "spokesman", "spokeswoman", "manager", "executive", "head",
        "founder", "owner", "coach", "captain", "editor", "reporter", "host", "activist",
        "organizer", "police", "fire", "school", "federal", "national", "company", "agency",
    }
)  # fmt: skip
_NOT_NAMES: Final = frozenset({"", "post", "tweet", "message", "in", "on"})


def _tidy_name(raw: str) -> str | None:
    """A speaker's name without leading titles and sentence words; ``None`` if nothing is left."""
    words = raw.split()
    while words and words[0].lower() in _LEADING_WORDS:
        words.pop(0)
    name = " ".join(words).removesuffix("’s").removesuffix("'s").rstrip(".,")
    if name.lower() in _NOT_NAMES or not (name[:1].isupper() or name.startswith("@")):
        return None
    return name


def speaker_in(text: str) -> str | None:
    """The name or ``@handle`` beside a speech verb in ``text`` (quotations masked), else
    ``None``; a pronoun (``she wrote``) names nobody."""
    candidates: list[tuple[int, str]] = []
    for pattern in (_HANDLE_THEN_VERB, _NAME_THEN_VERB, _VERB_THEN_NAME):
        for found in pattern.finditer(text):
            name = _tidy_name(found["name"])
            if name is not None:
                candidates.append((found.start(), name))
    if not candidates:
        return None
    return min(candidates, key=lambda found: (found[0], not found[1].startswith("@")))[1]


def has_pronoun_speaker(text: str) -> bool:
    """Whether ``text`` says ``he/she/they wrote`` (a speaker named elsewhere)."""
    return _PRONOUN.search(text) is not None
