"""Targets and their profiles: what a sentence's stance is about.

A target is a policy, a position or an actor, named by a string
("sanctions against Russia"). A :class:`Target` profile says more: other
names of the target itself (``aliases``), the actors on its side
(``allies``) and those against it (``opponents``). The featuriser looks for
mentions of all of them, and reads an attitude toward an opponent as the
opposite attitude toward the target.

A plain string is parsed into the same three roles: its words name the
target, except the words that follow a word of restriction or removal
("lifting", "ban", "sanctions", "against" is not one), which change side
with each such word. So "sanctions against Russia" names *sanctions* and
has *Russia* as an opponent, and "lifting sanctions against Russia" turns
*sanctions* into an opponent and *Russia* into an ally.
"""

import re
from dataclasses import dataclass

from ._text import normalize_target, strip_invisible

__all__ = [
    "Target",
    "as_target",
    "find_profile",
    "merge_profiles",
    "with_shipped_profiles",
    "ProfileIndex",
    "target_key",
    "reversed_target",
    "with_actors",
    "signed_terms",
    "wordless",
    "load_profiles",
    "stem",
]

#: Words that restrict or remove what follows them in a target's name.
RESTRICTING = frozenset(
    """
    abolish abolishing abolition against anti ban banning bans cap capping caps curb curbing curbs cut
    cuts cutting embargo end ending halt halting invasion levy lift lifting limit limiting limits
    lower lowering moratorium no not oppose opposing opposition phase phasing reduce reducing
    reduction repeal repealing restrict restricting restriction restrictions sanction sanctions
    scrap scrapping stop stopping suspend suspending suspension tariff tariffs tax taxes withdraw
    withdrawal withdrawing leaving leave
    """.split()
)
#: Words that name nothing by themselves in a target's name.
FUNCTION_WORDS = frozenset(
    """
    a an the of on to for in into at by from with and or its their his her our this that these those
    is are be was were as new s 's out over under about between
    """.split()
)
#: Words of restriction that also name the target ("a ban", "the sanctions").
_NAMING = frozenset(
    "ban bans embargo invasion levy moratorium restrictions sanctions tariffs tax taxes".split()
)
#: Prepositions that start a phrase of their own after a restricted one.
_PHRASE_STARTS = frozenset("in for at from with to under within across during".split())
_WORD = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*")
STEM_LENGTH = 6
#: The largest profiles file read (the shipped one is about 30 kB).
MAX_PROFILES_BYTES = 16 << 20


def stem(word):
    """Return the crude stem that mentions are matched on: the first six letters.

    Enough to match "Russia", "Russian" and "Russia's", or "sanction",
    "sanctions" and "sanctioned", without a language-specific stemmer.

    Examples
    --------
    >>> stem("Sanctioned"), stem("EU")
    ('sancti', 'eu')
    """
    word = word.lower()
    if word.endswith("'s"):
        word = word[:-2]
    return word[:STEM_LENGTH]


@dataclass(frozen=True)
class Target:
    """A target and what an analyst knows of it.

    Parameters
    ----------
    name : str
        The target, as it is named in data (for instance ``"sanctions
        against Russia"``).
    aliases : tuple of str
        Other names of the target itself (``"the restrictive measures"``).
    allies : tuple of str
        Actors on the target's side: praising them is aligned with the
        target, condemning them is opposed.
    opponents : tuple of str
        Actors against the target: condemning them is aligned, praising
        them is opposed.

    Examples
    --------
    >>> russia = Target("Russia", aliases=("Moscow", "the Kremlin"), opponents=("Ukraine", "Kyiv"))
    >>> russia.key
    'russia'
    >>> Target("NATO enlargement").opponents
    ()
    """

    name: str
    aliases: tuple = ()
    allies: tuple = ()
    opponents: tuple = ()

    def __post_init__(self):
        if not isinstance(self.name, str) or normalize_target(self.name) is None:
            raise TypeError(f"a target's name must be a non-empty string, not {self.name!r:.60}")
        for field in ("aliases", "allies", "opponents"):
            value = getattr(self, field)
            if isinstance(value, str):
                value = (value,)
            elif value is None or isinstance(value, (bytes, dict)) or not hasattr(value, "__iter__"):
                raise TypeError(
                    f"a target's {field} must be a string or a sequence of strings, not {value!r:.60}"
                )
            value = tuple(value)  # once: a generator is read here, and only here
            if not all(isinstance(item, str) for item in value):
                raise TypeError(f"a target's {field} must be strings")
            object.__setattr__(self, field, tuple(item for item in value if item.strip()))
        sides = {_phrase(self.name): 1}
        for field, side in (("aliases", 1), ("allies", 1), ("opponents", -1)):
            for item in getattr(self, field):
                words = _phrase(item)
                if not words:
                    raise ValueError(f"target {self.name!r}: {item!r} has no word to look for in a text")
                if sides.get(words, side) != side:
                    raise ValueError(f"target {self.name!r}: {item!r} is both on its side and against it")
                sides[words] = side

    @property
    def key(self):
        """The normalised name: how the model knows the target."""
        return normalize_target(self.name)


def as_target(target, profiles=None):
    """Return a :class:`Target` for ``target`` (a string, a Target or None).

    A string that names a profile in ``profiles`` (a ``{key: Target}``
    mapping) gets that profile.

    Raises
    ------
    TypeError
        ``target`` is neither a string, a Target nor None.

    Examples
    --------
    >>> as_target("  NATO enlargement ").key
    'nato enlargement'
    >>> as_target(None) is None
    True
    """
    if target is None or isinstance(target, Target):
        return target
    if not isinstance(target, str):
        from ._text import is_missing

        if is_missing(target):
            return None
        raise TypeError(f"a target must be a string or a stance.Target, not {type(target).__name__}")
    key = normalize_target(target)
    if key is None:
        return None
    profile = find_profile(key, profiles)
    return Target(target) if profile is None else profile


_ARTICLE = re.compile(r"^(?:the|a|an) ")


def loose_key(key):
    """Return a normalised name without its leading article: "the nato enlargement" is "nato enlargement"."""
    return _ARTICLE.sub("", key)


def merge_profiles(profiles, more):
    """Return ``profiles`` (``{key: Target}``) with ``more`` over them.

    A profile of ``more`` replaces the one of the same name, also with
    another article or none: "the NATO enlargement" replaces "NATO
    enlargement", which would otherwise still be found first by that name.

    Examples
    --------
    >>> merged = merge_profiles(load_profiles(), {"the nato enlargement": Target("the NATO enlargement")})
    >>> "nato enlargement" in merged, find_profile("nato enlargement", merged).name
    (False, 'the NATO enlargement')
    """
    replaced = {loose_key(key) for key in more}
    return {**{key: p for key, p in profiles.items() if loose_key(key) not in replaced}, **more}


def with_shipped_profiles(profiles=None):
    """Return the shipped profiles with ``profiles`` over them: what the bundled corpus trains with."""
    return merge_profiles(load_profiles(), profiles or {})


def find_profile(key, profiles):
    """Return the profile of ``profiles`` that the normalised name ``key`` names, or None.

    By the profile's name; else by its name or one of its aliases with
    the leading article ignored ("the NATO enlargement", "NATO
    expansion"). Only aliases of two words or more count, so that a
    generic one ("the fund", "the text") names no profile, and a name that
    fits two profiles names neither. ``profiles`` is a ``{key: Target}``
    mapping or, to look up many names, a :class:`ProfileIndex` of one.

    Examples
    --------
    >>> profiles = load_profiles()
    >>> find_profile("the nato enlargement", profiles).name, find_profile("nato expansion", profiles).name
    ('NATO enlargement', 'NATO enlargement')
    >>> find_profile("the fund", profiles) is None
    True
    """
    if not profiles or key is None:
        return None
    if key in profiles:
        return profiles[key]
    index = profiles if isinstance(profiles, ProfileIndex) else ProfileIndex(profiles)
    return index.find_loosely(key)


class ProfileIndex:
    """Profiles (``{key: Target}``) indexed by name and alias without their article, built once.

    :func:`find_profile` in a plain mapping reads every profile; with this
    index, a lookup costs the same whatever their number (a file of ten
    thousand profiles and thousands of distinct targets).
    """

    def __init__(self, profiles):
        self._profiles = dict(profiles)
        self._names, self._aliases = {}, {}
        for profile in self._profiles.values():
            self._names.setdefault(loose_key(profile.key), {})[profile.key] = profile
            for alias in profile.aliases:
                alias_key = normalize_target(alias)
                if alias_key and len(_phrase(alias)) >= 2:
                    self._aliases.setdefault(loose_key(alias_key), {})[profile.key] = profile

    def __len__(self):
        return len(self._profiles)

    def __contains__(self, key):
        return key in self._profiles

    def __getitem__(self, key):
        return self._profiles[key]

    def find_loosely(self, key):
        """Return the one profile whose name, or else alias, is ``key`` but for the article, or None."""
        loose = loose_key(key)
        found = self._names.get(loose) or self._aliases.get(loose) or {}
        return next(iter(found.values())) if len(found) == 1 else None


def target_key(target):
    """Return the normalised name of a target (a string or Target), None for none.

    Examples
    --------
    >>> target_key(" NATO  Enlargement"), target_key(Target("Russia")), target_key(None)
    ('nato enlargement', 'russia', None)
    """
    target = as_target(target)
    return None if target is None else target.key


#: The opening of a debate motion, which names no part of its subject
#: ("This house would ban X", "This house believes that X").
MOTION_OPENING = re.compile(
    r"^\s*th(?:is|e)\s+house\s+(?:would|will|should|believes|supports|calls\s+for|thinks)\s+(?:that\s+)?",
    re.IGNORECASE,
)


#: Openings that make a target the reversal of what follows ("lifting sanctions against Russia").
#: ("banning X", "a ban on X" and "phasing out X" are not among them:
#: sentences about such a target speak of the ban or the phase-out itself as
#: often as of X, and "We support the ban" would come out opposed. Grouped
#: cross-validation on the corpus's "phasing out coal" sentences, which speak
#: of the phase-out, lost 0.6 points when it was a reversal.)
REVERSING = re.compile(
    r"^(?:(?:ending|lifting|scrapping|abolishing|repealing|rejecting|halting|stopping|suspending|"
    r"cancelling|canceling|dropping|reversing|opposing|withdrawing from|leaving|quitting|"
    r"getting rid of|doing away with|dismantling|pulling out of|campaigning against|abandoning|"
    r"revoking|renouncing|terminating|tearing up|exiting from|exiting|easing|relaxing|"
    r"end|lift|scrap|abolish|repeal|reject|halt|stop|suspend|cancel|drop|reverse|oppose|opposes|"
    r"withdraw from|get rid of|do away with|dismantle|pull out of|regrets|abandon|revoke|renounce|"
    r"terminate|tear up|exit from|relax)\s+"
    r"|(?:opposition to|resistance to|an end to|a halt to|calls to end|"
    r"(?:the |a )?(?:end|ending|abolition|repeal|rejection|scrapping|lifting|suspension|cancellation|"
    r"dismantling|abandonment|revocation|renunciation|termination|easing|relaxation) of|"
    r"(?:the |a )?(?:withdrawal|exit) from|(?:the |a )?campaign against|"
    r"th(?:is|e) house (?:opposes|regrets)(?: that)?|"
    r"against|no to)\s+)",
    re.IGNORECASE,
)


def reversed_target(target):
    """Return ``(base, True)`` if ``target`` reverses another target, else ``(target, False)``.

    Supporting "ending X" is opposing X: the stance toward such a target is
    the stance toward X with its sides swapped, which is how a model labels
    a reversal it never saw. The base keeps the profile's actors, with
    allies and opponents swapped (the allies of ending X oppose X); the
    reversal's own aliases ("Brexit" for "leaving the EU") oppose the base.
    A position's negation reverses the position: "it is not true that X",
    "X is not Y", "X cannot Y", "X is no longer Y" (the first negator is
    taken out).

    Examples
    --------
    >>> base, reverses = reversed_target(Target("Lifting sanctions against Russia", allies=("Moscow",)))
    >>> base.name, base.opponents, reverses
    ('sanctions against Russia', ('Moscow',), True)
    >>> reversed_target(Target("NATO enlargement"))[1]
    False
    >>> reversed_target(Target("This house would abolish the monarchy"))[0].name
    'the monarchy'
    >>> reversed_target(Target("countries that have not ratified the treaty"))[1]
    False
    >>> reversed_target(Target("the teacher is right even when she is not"))[1]
    False
    >>> [reversed_target(Target(claim))[0].name for claim in (
    ...     "the sanctions are not weakening Russia's economy", "organic farming cannot feed the world",
    ...     "It is not true that tariffs protect jobs", "vaping doesn't help smokers quit")]
    ["the sanctions are weakening Russia's economy", 'organic farming can feed the world', \
'tariffs protect jobs', 'vaping help smokers quit']
    """
    name = MOTION_OPENING.sub("", target.name.strip())  # "This house would abolish X"
    match = None if _KEEPING.search(name) else REVERSING.match(name)
    match = match or _NOT_TRUE.match(name)
    if match:
        rest = name[match.end() :]
    else:
        negator = _NEGATOR.search(name)
        if negator and (
            _CLAUSE_START.search(name[: negator.start()])  # "a policy that does not discriminate"
            or _in_a_name(name, negator)  # "the Do Not Call registry"
        ):
            negator = None
        rest = " ".join((name[: negator.start()] + _affirmed(negator) + name[negator.end() :]).split()) if negator else ""
    if not rest or not _name_terms(rest):  # "ending the" reverses nothing
        return target, False
    # The reversal's aliases ("Brexit" for "leaving the EU") name what is
    # against the base; an actor that names the base itself is dropped.
    def others(names):
        return tuple(name for name in names if _phrase(name) != _phrase(rest))

    return Target(rest, allies=others(target.opponents), opponents=others(target.allies + target.aliases)), True


#: Reversing words that keep or lift up what follows: "leaving the sanctions in
#: place", "leaving no one behind", "lifting families out of poverty".
_KEEPING = re.compile(
    r"^leav(?:e|ing)\s+no\b|^leav(?:e|ing)\s.*\b(?:in\s+place|intact|unchanged|untouched|alone|behind|open)\W*$"
    r"|^lift(?:ing)?\s.*\bout\s+of\s+(?:\w+\s+)?(?:poverty|hunger|debt)\b",
    re.I,
)
#: "it is not true that X": X, sides swapped.
_NOT_TRUE = re.compile(
    r"(?:it(?:\s+is|['\u2019]s)\s+(?:not\s+true|false|untrue|a\s+myth)|it\s+isn['\u2019]t\s+true"
    r"|nor\s+is\s+it\s+true)\s+that\s+",
    re.I,
)
#: The negator of a position: "X is not Y", "X cannot Y", "X doesn't Y", "X is no longer Y".
#: (Not "never": it stands in names that are no claims, "a target never seen"; not "not
#: only" or "not just": "X is not only safe but cheap" asserts X is safe.)
_NEGATOR = re.compile(
    r"\b(?:(?P<aux>is|are|was|were|has|have|had|will|would|can|could|should|must|may|might)\s+not"
    r"|(?P<short>is|are|was|were|has|have|had|would|could|should|must|do|does|did)n['\u2019]t"
    r"|(?P<be>is|are|was|were)\s+no\s+longer|cannot|can['\u2019]t|won['\u2019]t|(?:do|does|did)\s+not)\b"
    r"(?!\s+(?:only|just|merely)\b)",
    re.I,
)


#: Words that open a clause of its own (relative or subordinate): a negator
#: after one is part of a name or a condition, not the claim's own negation.
#: (Not "that" after a noun whose clause is the claim itself: in "the claim that X is not Y"
#: the negator is the claim's.)
_CLAUSE_START = re.compile(
    r"\b(?:(?<!claim )(?<!view )(?<!idea )(?<!notion )(?<!belief )(?<!assertion )(?<!argument )that"
    r"|which|who|whose|whom|where|when|if|unless|although|though|because|while|whether)\b",
    re.I,
)


def _in_a_name(name, negator):
    # A capitalised negator amid lower-case words is part of a proper name
    # ("the Do Not Call registry"); in a name written all in title case
    # ("Co2 Does Not Cause Global Warming", as debate motions are) it cannot
    # be told from a claim's, and counts as one.
    if negator.start() == 0 or not any(_capitalised(word) for word in negator.group(0).split()):
        return False  # (in capitals, "is NOT", it is emphasis)
    others = _WORD.findall(name[: negator.start()] + " " + name[negator.end() :])
    return any(word.islower() and word not in FUNCTION_WORDS for word in others)


def _capitalised(word):
    return word[:1].isupper() and not word[1:].isupper()


def _affirmed(negator):
    # What stands in a negator's place once it is taken out: the auxiliary
    # ("is not" -> "is", "cannot" -> "can"), or nothing for "do not", whose
    # verb follows.
    auxiliary = negator.group("aux") or negator.group("short") or negator.group("be") or ""
    if auxiliary.lower() in ("do", "does", "did"):
        return " "
    word = negator.group(0).lower().replace("\u2019", "'")
    return " " + ({"cannot": "can", "can't": "can", "won't": "will"}.get(word) or auxiliary) + " "


def with_actors(profile, allies=(), opponents=()):
    """Return ``profile`` with more ``allies`` and ``opponents``; where the two disagree, these win.

    Examples
    --------
    >>> nato = Target("NATO enlargement", allies=("Kyiv",), opponents=("Moscow",))
    >>> with_actors(nato, allies=("Moscow",), opponents=("the moratorium",))
    Target(name='NATO enlargement', aliases=(), allies=('Moscow', 'Kyiv'), opponents=('the moratorium',))
    """
    own = _phrase(profile.name)  # an actor that names the profile itself is no actor of it
    allies, opponents = (tuple(name for name in names if _phrase(name) != own) for names in (allies, opponents))
    given = {_phrase(name) for name in allies + opponents}
    return Target(
        profile.name,
        aliases=tuple(a for a in profile.aliases if _phrase(a) not in given),
        allies=allies + tuple(a for a in profile.allies if _phrase(a) not in given),
        opponents=opponents + tuple(o for o in profile.opponents if _phrase(o) not in given),
    )


def _name_terms(name):
    name = MOTION_OPENING.sub("", name)
    # The words of a target's name with their sides (+1 the target's, -1 its
    # opponents'): each word of restriction flips the side of the words that
    # follow it ("against" right after one, as in "sanctions against X",
    # restricts once), up to a preposition that starts a phrase of its own
    # ("a ban on smartphones in schools": the schools are not banned).
    terms = []
    sign, before = 1, []
    previous, restricted = None, False
    for word in _WORD.findall(strip_invisible(name).lower()):
        if word in _PHRASE_STARTS and restricted and before:
            sign, restricted = before.pop(), False
        if word in FUNCTION_WORDS:
            previous = word
            continue
        if word not in RESTRICTING or word in _NAMING:
            terms.append(((stem(word),), sign))
            restricted = restricted or sign != (before[-1] if before else 1)
        if word in RESTRICTING and not (word == "against" and previous in RESTRICTING):
            before.append(sign)
            sign, restricted = -sign, False
        previous = word
    return terms


def _phrase(text):
    # A name's words as they must follow one another in a text, without the
    # function words it starts or ends with ("the Kremlin" is "Kremlin").
    words = _WORD.findall(strip_invisible(text).lower())
    while words and words[0] in FUNCTION_WORDS:
        words.pop(0)
    while words and words[-1] in FUNCTION_WORDS:
        words.pop()
    return tuple(stem(word) for word in words)


def signed_terms(target):
    """Return the terms that mention ``target`` or its side, with their sides.

    Returns
    -------
    list of (tuple of str, int, str)
        Each term's word stems, its side (+1 the target's, -1 against it)
        and its role: ``target``, ``ally`` or ``opponent`` (from the
        profile), or ``restricted`` (a word the name restricts).

    Examples
    --------
    >>> [(words, side) for words, side, _ in signed_terms(Target("sanctions against Russia"))]
    [(('sancti',), 1), (('russia',), -1)]
    >>> [(words, side) for words, side, _ in signed_terms(Target("lifting sanctions against Russia"))]
    [(('sancti',), -1), (('russia',), 1)]
    >>> [(w, r) for w, _, r in signed_terms(Target("Russia", aliases=("the Kremlin",), allies=("Belarus",)))]
    [(('russia',), 'target'), (('kremli',), 'target'), (('belaru',), 'ally')]
    >>> [(words, side) for words, side, _ in signed_terms(Target("This house would ban tobacco"))]
    [(('ban',), 1), (('tobacc',), -1)]
    """
    terms = []
    for words, sign in _name_terms(target.name):
        terms.append((words, sign, "target" if sign > 0 else "restricted"))
    for alias in target.aliases:
        terms.append((_phrase(alias), 1, "target"))
    for ally in target.allies:
        terms.append((_phrase(ally), 1, "ally"))
    for opponent in target.opponents:
        terms.append((_phrase(opponent), -1, "opponent"))
    # One side per term: what the profile says overrides what the name's
    # words suggest ("the climate pact" with "climate" among its opponents).
    unique = {}
    for words, sign, role in terms:
        if words:
            unique[words] = (words, sign, role)
    return list(unique.values())


def wordless(target, profiles=None):
    """Whether ``target`` is given but has no word to read, so that it counts as no target.

    A target of punctuation or function words alone ("***", "the") names
    nothing a sentence could mention: the label is the text's attitude, as
    with no target. None, a missing value and a blank string are no target,
    not wordless.

    Examples
    --------
    >>> wordless("***"), wordless("the"), wordless("the treaty"), wordless("  "), wordless(None)
    (True, True, False, False, False)
    """
    if target is None or (isinstance(target, str) and not target.strip()):
        return False
    if isinstance(target, str) and _name_terms(target):  # the common case, without looking for a profile
        return False
    if not isinstance(target, (str, Target)):
        from ._text import is_missing

        if is_missing(target):
            return False
        target = str(target)
    resolved = as_target(target, profiles)
    return resolved is None or not signed_terms(resolved)


def load_profiles(source=None):
    """Read target profiles from TOML text or a path: ``{normalised name: Target}``.

    The file holds one ``[[target]]`` table per target, each with ``name``
    and optional lists ``aliases``, ``allies`` and ``opponents``. With no
    ``source``, the profiles shipped for the bundled corpus's targets.

    Raises
    ------
    ValueError
        The text is not valid TOML or a table is malformed (naming it).

    Examples
    --------
    >>> text = '[[target]]\\nname = "Russia"\\naliases = ["Moscow"]\\nopponents = ["Ukraine"]\\n'
    >>> load_profiles(text)["russia"].opponents
    ('Ukraine',)
    >>> load_profiles()["sanctions against russia"].name
    'sanctions against Russia'
    """
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    from pathlib import Path

    if source is None:
        from importlib import resources

        where = "shipped profiles"
        source = resources.files("stance").joinpath("data", "targets.toml").read_text("utf-8")
    elif isinstance(source, Path):
        from ._files import read_regular

        where = str(source)
        # A regular file of a sane size: a device, a FIFO or a file of
        # gigabytes is refused before it is read.
        data = read_regular(source, MAX_PROFILES_BYTES, ValueError, "profiles file")
        try:
            source = data.decode("utf-8-sig")  # a byte-order mark is no TOML
        except UnicodeDecodeError:
            raise ValueError(f"{where}: not a UTF-8 text file") from None
    elif isinstance(source, str):
        where = "profiles"
    else:
        raise TypeError(f"profiles are TOML text (str) or a pathlib.Path, not {type(source).__name__}")
    try:
        document = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        hint = (
            " (to read a file, pass a pathlib.Path)"
            if "\n" not in source and source.endswith(".toml")
            else ""
        )
        raise ValueError(f"{where}: not valid TOML{hint}: {error}") from None
    unknown = set(document) - {"target"}
    if unknown:
        raise ValueError(f"{where}: unknown table {sorted(unknown)[0]!r}; profiles are [[target]] tables")
    tables = document.get("target", [])
    if not isinstance(tables, list):
        raise ValueError(f"{where}: 'target' must be a list of [[target]] tables")
    profiles = {}
    for number, table in enumerate(tables, 1):
        if not isinstance(table, dict) or not isinstance(table.get("name"), str):
            raise ValueError(f"{where}: target table {number} needs a name (a string)")
        name = table["name"]
        unknown = set(table) - {"name", "aliases", "allies", "opponents"}
        if unknown:
            raise ValueError(f"{where}: target {name!r} has unknown key {sorted(unknown)[0]!r}")
        lists = {}
        for field in ("aliases", "allies", "opponents"):
            value = table.get(field, [])
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise ValueError(f"{where}: target {name!r}: {field} must be a list of strings")
            lists[field] = tuple(value)
        try:
            target = Target(name, **lists)
        except TypeError as error:
            raise ValueError(f"{where}: target {name!r}: {error}") from None
        except ValueError as error:  # its message names the target
            raise ValueError(f"{where}: {error}") from None
        if target.key in profiles:
            raise ValueError(f"{where}: target {name!r} has two profiles")
        profiles[target.key] = target
    return profiles
