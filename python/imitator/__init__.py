"""Exact verification of the conservative online imitator, from Python.

The imitator of *Fully General Online Imitation Learning* (Cohen, Hutter and
Nanda) keeps a posterior over a class of demonstrator models, collects the top
few (the α rule), gives each action the smallest probability any top model
gives it, and asks the demonstrator with the remaining probability θ. This
package runs imitator's exact engines in this process (no subprocess) and hands
every figure back as a :class:`fractions.Fraction`::

    import imitator
    from fractions import Fraction

    s = imitator.load("examples/three-coins.toml")
    r = imitator.verify(s, depth=6)
    r.holds                      # True: every check of the paper holds
    r.event_e                    # [Fraction(1, 1), ...]: P(E_t) by depth
    r.events[0].p_im_and_e       # a Fraction
    life = imitator.lifetime(s, width=Fraction(1, 10**6))
    life.event_e.lo, life.event_e.hi, life.event_e.status
    for line in imitator.policy(s, depth=3): ...
    d = imitator.diff(s, my_policy, depth=4)   # your imitator, history by history
    d.clean, d.first_difference, d.largest_deviation

The figures and their meaning are those of the command line (``imitator
verify --json``, ``imitator policy``, ``imitator diff``): ``to_dict()`` gives
the very JSON document. Bad input raises :class:`ScenarioError` (a
``ValueError``) or ``ValueError``; a limit raises :class:`LimitError`, whose
``limit`` attribute names it. Long calls release the GIL and stop on Ctrl-C.
"""

from __future__ import annotations

import json
import os
import re
from fractions import Fraction
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple, Union

from . import _native
from ._native import LimitError, ScenarioError

__all__ = [
    "Scenario",
    "ScenarioError",
    "LimitError",
    "Record",
    "Verification",
    "Lifetime",
    "Interval",
    "DiffResult",
    "Conformance",
    "load",
    "loads",
    "verify",
    "lifetime",
    "policy",
    "diff",
    "sample_histories",
    "conformance",
    "atlas",
    "AtlasResult",
]

Number = Union[Fraction, int, float, str]

# The defaults of the command line's flags, so that a call without them is the
# same run as the command without them.
_MAX_STATES = 5_000_000
_MAX_MEMORY_MIB = 8192
_LISTING_MEMORY_MIB = 8192

_EXACT = re.compile(r"^-?[0-9]+(/[0-9]+)?$")

# Keys whose strings are names or words, never numbers (a model may be called "3").
_TEXT_KEYS = frozenset(
    {
        "scenario",
        "truth",
        "name",
        "variant",
        "engine",
        "stopped_because",
        "status",
        "message",
        "top",
        "ranking",
        "history",
        "histories",
        "first",
        "imitator",
        "check",
        "assumption",
        "where",
        "arithmetic",
        "tail_bounds",
        "field",
        "action",
        "observation",
        "label",
    }
)


def _exact(value: Any, key: str = "") -> Any:
    """The JSON value with its exact numbers (``"p/q"`` strings) as Fractions."""
    if key in _TEXT_KEYS:
        return value
    if isinstance(value, str) and _EXACT.match(value):
        return Fraction(value)
    if isinstance(value, list):
        return [_exact(v, key) for v in value]
    if isinstance(value, dict):
        return Record({k: _exact(v, k) for k, v in value.items()})
    return value


class Record(dict):
    """A JSON object whose exact numbers are Fractions, read as attributes
    (``r.events[0].p_im_and_e``) or as keys (``r.events[0]["p_im_and_e"]``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        return "Record(" + ", ".join(f"{k}={v!r}" for k, v in self.items()) + ")"


def _text(x: Number, what: str) -> str:
    """An exact number as the library reads it: Fractions and ints exactly,
    floats by their decimal writing (``1e-6`` is one millionth), strings as given."""
    if isinstance(x, bool):
        raise TypeError(f"{what} must be a number, not a bool")
    if isinstance(x, (Fraction, int)):
        f = Fraction(x)
        return f"{f.numerator}/{f.denominator}"
    if isinstance(x, float):
        f = Fraction(repr(x))
        return f"{f.numerator}/{f.denominator}"
    if isinstance(x, str):
        return x
    raise TypeError(f"{what} must be a Fraction, an int, a float or a string, not {type(x).__name__}")


class Scenario:
    """A scenario: the model class, the true demonstrator, α, the environment
    and the events, read and validated. Make one with :func:`load` or :func:`loads`."""

    __slots__ = ("_native",)

    def __init__(self, native: "_native.Scenario") -> None:
        self._native = native

    @property
    def name(self) -> str:
        """The scenario's name (the file's ``name``, or its file name)."""
        return self._native.name

    @property
    def actions(self) -> List[str]:
        """The action names, in declaration order."""
        return self._native.actions

    @property
    def observations(self) -> List[str]:
        """The observation names (``["-"]`` when the file declares none)."""
        return self._native.observations

    @property
    def models(self) -> List[str]:
        """The model names, in declaration order (which breaks ranking ties)."""
        return self._native.models

    @property
    def truth(self) -> str:
        """The true demonstrator's name."""
        return self._native.truth

    @property
    def alpha(self) -> Fraction:
        """α of the top-set rule."""
        return Fraction(self._native.alpha_text)

    @property
    def truth_weight(self) -> Fraction:
        """w(μ): the truth's normalized prior weight."""
        return Fraction(self._native.truth_weight_text)

    @property
    def depth(self) -> Optional[int]:
        """The file's default horizon, if it gives one."""
        return self._native.depth

    @property
    def events(self) -> List[str]:
        """The declared events' names."""
        return self._native.events

    def to_toml(self) -> str:
        """The scenario written as a scenario file."""
        return self._native.to_toml()

    def __repr__(self) -> str:
        return (
            f"Scenario(name={self.name!r}, actions={self.actions!r}, observations={self.observations!r}, "
            f"models={self.models!r}, truth={self.truth!r}, alpha={self.alpha})"
        )


def load(path: Union[str, "os.PathLike[str]"]) -> Scenario:
    """Reads and validates the scenario file at ``path`` (TOML, as the command line reads it).

    Raises :class:`ScenarioError` with the file, key, line and column of the first mistake.
    """
    return Scenario(_native.load(os.fspath(path)))


def loads(text: str, name: str = "<string>") -> Scenario:
    """Reads and validates a scenario from its TOML text; ``name`` stands for
    the file in error messages (and names the scenario when it has no ``name``)."""
    return Scenario(_native.loads(text, name))


def _scenario(s: Union[Scenario, str, "os.PathLike[str]"]) -> "_native.Scenario":
    if isinstance(s, Scenario):
        return s._native
    if isinstance(s, (str, os.PathLike)):
        return load(s)._native
    raise TypeError(f"expected a Scenario (imitator.load) or a path, not {type(s).__name__}")


# The figures that come by depth (1 … T), each a list of Fractions on the result.
_BY_DEPTH = (
    "event_e",
    "query_cubed_sum",
    "inverse_truth_posterior",
    "expected_queries",
    "query_sum_cubed",
    "expected_product",
)


class Verification:
    """The exact figures of every history to a depth, and every check of the paper.

    ``r.event_e``, ``r.query_cubed_sum``, ``r.inverse_truth_posterior``,
    ``r.expected_queries``, ``r.query_sum_cubed`` and ``r.expected_product`` are
    lists of Fractions by depth (index ``t - 1`` for depth ``t``);
    ``r.checks[key]`` is the whole section of each (its bounds and whether they
    hold). ``r.events`` lists the declared events with ``p_dem``, ``p_im``,
    ``p_im_and_e`` and their ratios; ``r.worst_case``, ``r.per_step_ratio``
    and ``r.unprecedented`` are as in ``imitator verify --json``
    (docs/json.md). ``r.holds`` is True when every check holds on every depth
    asked for: a run that a limit stopped part way (``r.partial``) never holds.
    ``r.to_dict()`` is the command line's JSON document.
    """

    def __init__(self, doc: Dict[str, Any]) -> None:
        self._doc = doc
        exact = _exact(doc)
        self._exact = exact
        self.checks: Dict[str, Record] = {k: exact[k] for k in _BY_DEPTH if k in exact}
        self.events: List[Record] = exact.get("events", [])
        self.partial: Optional[Record] = exact.get("partial")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        exact = self.__dict__.get("_exact", {})
        if name in _BY_DEPTH and name in exact:
            return exact[name]["by_depth"]
        if name in exact:
            return exact[name]
        raise AttributeError(name)

    @property
    def holds(self) -> bool:
        """Every check holds at every depth asked for (never for a partial run)."""
        return bool(self._doc.get("holds")) and self.partial is None

    @property
    def status(self) -> str:
        """``"holds"``, ``"fails"``, or ``"undecided"`` (a run a limit stopped
        part way with no check failing): the command line's exit 0, 1 or 3."""
        if not self._doc.get("holds"):
            return "fails"
        return "undecided" if self.partial is not None else "holds"

    def to_dict(self) -> Dict[str, Any]:
        """The JSON document of ``imitator verify --json``, exact numbers as ``"p/q"`` strings."""
        return json.loads(json.dumps(self._doc))

    def __repr__(self) -> str:
        d = self._doc
        return (
            f"<Verification {d.get('scenario')!r} depth={d.get('depth')} variant={d.get('variant')} "
            f"engine={d.get('engine')}: {self.status}>"
        )


class Interval(Record):
    """A proved enclosure ``lo ≤ value ≤ hi`` (``hi`` None: +∞), with its bound and status."""


class Lifetime:
    """The whole lifetime: intervals proved to contain ``P(E_∞)`` and
    ``E Σ_{t≥1} θ_t³``, and the finite figures of the depths done.

    ``life.event_e`` and ``life.query_cubed_sum`` are :class:`Interval`\\ s
    (``lo``, ``hi``, the bound, ``status``: ``"holds"``, ``"fails"`` or
    ``"undecided"``); ``life.depth_reached``, ``life.stopped_because``,
    ``life.width``, ``life.unsettled_mass`` (by depth) and the other keys of
    the ``infinite`` block of docs/json.md are attributes too;
    ``life.finite`` is the :class:`Verification` of the depths done.
    """

    def __init__(self, doc: Dict[str, Any]) -> None:
        self._doc = doc
        block = doc["infinite"]
        exact = _exact(block)
        self._exact = exact
        self.event_e = Interval(exact["event_e"])
        self.query_cubed_sum = Interval(exact["query_cubed_sum"])
        finite = {k: v for k, v in doc.items() if k != "infinite"}
        self.finite = Verification(finite)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        exact = self.__dict__.get("_exact", {})
        if name == "unsettled_mass" and name in exact:
            return exact[name]["by_depth"]
        if name in exact:
            return exact[name]
        raise AttributeError(name)

    @property
    def status(self) -> str:
        """``"fails"`` when a check fails (lifetime or finite), ``"undecided"``
        when none fails but one is undecided, else ``"holds"``: the command
        line's exit 1, 3 or 0."""
        statuses = (self.event_e.status, self.query_cubed_sum.status)
        if "fails" in statuses or not self.finite._doc.get("holds"):
            return "fails"
        if "undecided" in statuses:
            return "undecided"
        return "holds"

    @property
    def holds(self) -> bool:
        """Both lifetime checks (and every finite check of the depths done) hold."""
        return self.status == "holds"

    def to_dict(self) -> Dict[str, Any]:
        """The JSON document of ``imitator verify --horizon infinite --json``."""
        return json.loads(json.dumps(self._doc))

    def __repr__(self) -> str:
        return (
            f"<Lifetime {self._doc.get('scenario')!r} depth_reached={self._exact.get('depth_reached')} "
            f"stopped_because={self._exact.get('stopped_because')!r}: {self.status}>"
        )


def verify(
    scenario: Union[Scenario, str, "os.PathLike[str]"],
    depth: Optional[int] = None,
    engine: str = "exhaustive",
    variant: str = "conservative",
    warmup: int = 0,
    *,
    max_states: int = _MAX_STATES,
    max_memory_mib: int = _MAX_MEMORY_MIB,
    time_limit: Optional[float] = None,
    threads: Optional[int] = None,
) -> Verification:
    """Every history to ``depth`` (default: the scenario's), exactly, and every check of the paper.

    Same run as ``imitator verify FILE --depth T --engine E --variant V
    --warmup K``: ``engine`` is ``"exhaustive"`` (every full history; gives
    ``worst_case``) or ``"lumped"`` (merges histories with identical futures;
    deep runs); ``variant`` is ``"conservative"`` (the paper's imitator),
    ``"always-query"``, ``"map"`` or ``"mixture"`` (the last two query the
    first ``warmup`` steps, then deploy). ``max_states``, ``max_memory_mib``
    and ``time_limit`` (lumped only) are the command line's limits: a run they
    stop part way returns its depths done with ``partial`` set. ``threads``:
    the worker threads (default: every core); the figures are the same for any
    count.

    Raises :class:`LimitError` when the run would pass a limit before it
    starts (the message says which, and what to change), ``ValueError`` on a
    bad argument.
    """
    doc = _native.verify(
        _scenario(scenario), depth, engine, variant, warmup, max_states, max_memory_mib, time_limit, threads
    )
    return Verification(json.loads(doc))


def lifetime(
    scenario: Union[Scenario, str, "os.PathLike[str]"],
    width: Number = Fraction(1, 10**9),
    max_depth: Optional[int] = None,
    variant: str = "conservative",
    warmup: int = 0,
    *,
    arithmetic: str = "rounded",
    max_states: int = _MAX_STATES,
    max_memory_mib: int = _MAX_MEMORY_MIB,
    time_limit: Optional[float] = None,
    threads: Optional[int] = None,
) -> Lifetime:
    """Intervals proved to contain ``P(E_∞)`` and ``E Σ_{t≥1} θ_t³``, depth by
    depth until both are at most ``width`` wide (or a check fails, or
    ``max_depth``, default 100000, or a limit is reached).

    Same run as ``imitator verify FILE --horizon infinite --width W
    --arithmetic A`` (docs/lifetime.md). ``width`` is exact: a Fraction, an
    int, a string (``"1/1000000"``) or a float read as its decimal writing
    (``1e-6``). ``arithmetic="rounded"`` (the default, as on the command line)
    carries the masses in outward-rounded fixed point, so the ends are exact
    dyadic numbers that still enclose the truth; ``"exact"`` keeps every mass
    exact.
    """
    doc = _native.lifetime(
        _scenario(scenario),
        _text(width, "width"),
        max_depth,
        variant,
        warmup,
        arithmetic,
        max_states,
        max_memory_mib,
        time_limit,
        threads,
    )
    return Lifetime(json.loads(doc))


def _policy_line(text: str) -> Dict[str, Any]:
    line = json.loads(text)
    for key in ("posterior", "m"):
        if key in line:
            line[key] = {k: Fraction(v) for k, v in line[key].items()}
    for key in ("theta", "p_im"):
        if key in line:
            line[key] = Fraction(line[key])
    return line


def policy(
    scenario: Union[Scenario, str, "os.PathLike[str]"],
    depth: Optional[int] = None,
    variant: str = "conservative",
    warmup: int = 0,
    *,
    max_memory_mib: int = _LISTING_MEMORY_MIB,
) -> Iterator[Dict[str, Any]]:
    """The imitator's exact policy at every reachable history of length
    ``0 … depth-1``, one dict per history, in the order of ``imitator policy``
    (by length, then lexicographically: query flag false first, then action,
    then observation, in declaration order).

    Each dict is a policy line (docs/policy-lines.md) with Fractions inside:
    ``history`` (a list of ``{"query", "action", "observation"}``),
    ``posterior`` and ``m`` (by name), ``ranking``, ``top``, ``theta``,
    ``p_im`` and ``truth_in_top``. The lines are computed as they are read.
    """
    lines = _native.policy(_scenario(scenario), depth, variant, warmup, max_memory_mib)
    try:
        for text in lines:
            yield _policy_line(text)
    finally:
        lines.close()


def _wire(x: Any, what: str) -> Any:
    """A number of theirs as a policy line writes it: exact as ``"p/q"``, floats as JSON numbers."""
    if isinstance(x, bool):
        raise TypeError(f"{what} must be a number, not a bool")
    if isinstance(x, (Fraction, int)):
        f = Fraction(x)
        return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"
    if isinstance(x, float):
        return x
    if isinstance(x, str):
        return x
    raise TypeError(f"{what} must be a Fraction, an int, a float or a string, not {type(x).__name__}")


def _their_line(history: List[Dict[str, Any]], answer: Any) -> str:
    if not isinstance(answer, dict) or "theta" not in answer or "m" not in answer:
        raise ValueError(
            f'my_policy must return {{"theta": θ, "m": {{action: m(a)}}}}, not {answer!r} '
            f"(at history {[(st['action'], st['observation'], st['query']) for st in history]!r})"
        )
    if not isinstance(answer["m"], dict):
        raise ValueError(f'"m" must map each action to its probability, not {answer["m"]!r}')
    line: Dict[str, Any] = {"history": history}
    line["m"] = {str(a): _wire(v, f"m[{a!r}]") for a, v in answer["m"].items()}
    line["theta"] = _wire(answer["theta"], "theta")
    for key in ("p_im",):
        if key in answer:
            line[key] = _wire(answer[key], key)
    if "posterior" in answer:
        line["posterior"] = {str(k): _wire(v, f"posterior[{k!r}]") for k, v in answer["posterior"].items()}
    for key in ("top", "truth_in_top"):
        if key in answer:
            line[key] = list(answer[key]) if key == "top" else bool(answer[key])
    return json.dumps(line)


def _line_text(line: Any) -> str:
    if isinstance(line, str):
        return line
    if isinstance(line, dict):
        out = dict(line)
        for key in ("theta", "p_im"):
            if key in out:
                out[key] = _wire(out[key], key)
        for key in ("m", "posterior"):
            if key in out:
                out[key] = {k: _wire(v, f"{key}[{k!r}]") for k, v in out[key].items()}
        return json.dumps(out)
    raise TypeError(f"a policy line must be a JSON string or a dict, not {type(line).__name__}")


class DiffResult:
    """How another implementation's policy compares with the exact one, as ``imitator diff`` reports it.

    ``clean``: it agrees everywhere (nothing differs, nothing missing, nothing
    unreachable); ``compared`` and ``differing`` count histories;
    ``first_difference`` is the first history where a field differs beyond
    the tolerance (both values side by side), ``largest_deviation`` the
    largest deviation anywhere (None when nothing was compared);
    ``missing`` and ``unreachable`` are as in docs/policy-lines.md.
    """

    def __init__(self, doc: Dict[str, Any]) -> None:
        self._doc = doc
        self._exact = _exact(doc)

    @property
    def clean(self) -> bool:
        """They agree everywhere: the command line's exit 0."""
        return bool(self._doc.get("agree"))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        exact = self.__dict__.get("_exact", {})
        if name in exact:
            return exact[name]
        raise AttributeError(name)

    def to_dict(self) -> Dict[str, Any]:
        """The JSON document of ``imitator diff --json``."""
        return json.loads(json.dumps(self._doc))

    def __repr__(self) -> str:
        d = self._doc
        return f"<DiffResult compared={d.get('compared')} differing={d.get('differing')} clean={self.clean}>"


History = List[Tuple[str, str, bool]]


def diff(
    scenario: Union[Scenario, str, "os.PathLike[str]"],
    my_policy: Union[Callable[[History], Dict[str, Any]], Iterable[Any]],
    depth: Optional[int] = None,
    variant: str = "conservative",
    warmup: int = 0,
    *,
    tolerance: Optional[Number] = None,
    rel_tolerance: Optional[Number] = None,
    sample: Optional[int] = None,
    seed: int = 0,
    max_memory_mib: int = _LISTING_MEMORY_MIB,
) -> DiffResult:
    """Compares your imitator with the exact policy at every reachable history
    of length ``0 … depth-1`` (or, with ``sample=N``, along N histories drawn
    from the imitator's exact distribution to ``depth``: every prefix of each).

    ``my_policy`` is either

    * a callable, called once at every history compared, with the history as
      a list of ``(action, observation, queried)`` name triples, returning
      ``{"theta": θ, "m": {action: m(a)}}`` (Fractions, ints or floats;
      it may add ``posterior``, ``top``, ``p_im`` and ``truth_in_top``, which
      are compared too), or
    * an iterable of policy lines (JSON strings or dicts), as ``imitator
      policy`` writes them.

    Exact numbers are compared exactly, floats within the tolerances of
    ``imitator diff``: by default relative ``1e-12`` (and for θ, which floats
    compute as ``1 − Σm``, also absolute ``1e-12``); ``tolerance=`` sets the
    absolute and ``rel_tolerance=`` the relative tolerance of every number,
    and a number agrees when it is within either. The report is that of
    ``imitator diff``, including the histories it was never asked about.

    ``sample=N`` (with ``seed=``) checks late steps without listing every
    history: depth 1000 is fine. It needs ``depth`` and a callable or the
    lines of exactly those histories (``imitator.sample_histories``).
    """
    s = _scenario(scenario)
    draw = None
    if sample is not None:
        if depth is None:
            raise ValueError("sample= needs depth=: how deep to draw the histories")
        draw = (int(sample), int(seed))
    if callable(my_policy):
        lines = []
        if draw is None:
            # Only the histories of the exact listing are needed: its numbers stay unread.
            listing = _native.policy(s, depth, variant, warmup, max_memory_mib)
        else:
            listing = _native.sample(s, depth, draw[0], draw[1], variant, warmup, max_memory_mib).splitlines()
        try:
            for text in listing:
                history = json.loads(text)["history"]
                triples = [(st["action"], st["observation"], st["query"]) for st in history]
                lines.append(_their_line(history, my_policy(triples)))
        finally:
            if draw is None:
                listing.close()
    else:
        lines = [_line_text(line) for line in my_policy]
    tol = None if tolerance is None else _text(tolerance, "tolerance")
    rel = None if rel_tolerance is None else _text(rel_tolerance, "rel_tolerance")
    doc = _native.diff(s, lines, depth, variant, warmup, tol, rel, max_memory_mib, draw)
    return DiffResult(json.loads(doc))


def sample_histories(
    scenario: Union[Scenario, str, "os.PathLike[str]"],
    depth: int,
    sample: int,
    seed: int = 0,
    variant: str = "conservative",
    warmup: int = 0,
    *,
    max_memory_mib: int = _LISTING_MEMORY_MIB,
) -> List[History]:
    """The histories ``diff(..., sample=N, seed=S)`` compares: every prefix of
    N histories drawn from the imitator's exact distribution to ``depth``
    (seeded, so the same on every machine), as ``(action, observation,
    queried)`` triples, in the order of the comparison."""
    text = _native.sample(_scenario(scenario), depth, sample, seed, variant, warmup, max_memory_mib)
    return [[(st["action"], st["observation"], st["query"]) for st in json.loads(line)["history"]]
            for line in text.splitlines()]


class Conformance:
    """The conformance suite's verdict on your imitator, as ``imitator conformance`` reports it.

    ``clean``: every pass agrees; ``rows``: one Record per pass (``case``,
    ``pass``, ``variant``, ``warmup``, ``verdict`` — ``AGREE``, ``DISAGREE``,
    ``ERROR`` or ``SKIPPED`` —, ``first_difference`` and ``catches``, the
    family of mistakes the case targets); ``str(result)`` is the command's
    table; ``to_dict()`` its JSON document.
    """

    def __init__(self, doc: Dict[str, Any], text: str) -> None:
        self._doc = doc
        self._text = text
        self.rows: List[Record] = [_exact(row) for row in doc["passes"]]

    @property
    def clean(self) -> bool:
        """Every pass agrees: the command's exit 0."""
        return bool(self._doc.get("conforms"))

    def failing(self) -> List[Record]:
        """The passes that disagree or could not be compared."""
        return [r for r in self.rows if r.verdict in ("DISAGREE", "ERROR")]

    def to_dict(self) -> Dict[str, Any]:
        """The JSON document of ``imitator conformance --json``."""
        return json.loads(json.dumps(self._doc))

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"<Conformance {len(self.rows)} passes, {len(self.failing())} failing: {'clean' if self.clean else 'not clean'}>"


def conformance(
    make_policy: Callable[[Scenario, str, int], Callable[[History], Dict[str, Any]]],
    cases: Optional[Iterable[str]] = None,
    *,
    sampled: bool = True,
    tolerance: Optional[Number] = None,
    rel_tolerance: Optional[Number] = None,
) -> Conformance:
    """Runs the conformance suite (``imitator conformance``) on your imitator, in this process.

    The suite holds small scenarios, each built to expose one family of
    mistakes (ties in the α rule and the ranking, α at w(μ), eliminated models,
    a deterministic truth, many models, observations, machines, the variants
    and warm-ups, long horizons). For each case ``make_policy(scenario,
    variant, warmup)`` makes your imitator for it: a callable as
    :func:`diff` takes (history → ``{"theta", "m"}``). It is asked at every
    reachable history to the case's depth (the *full* pass) and, unless
    ``sampled=False``, at every prefix of a few histories drawn far deeper
    (the *sampled* pass). ``cases`` picks cases by name (default: all).
    """
    manifest = json.loads(_native.conformance_cases())["cases"]
    chosen = manifest
    if cases is not None:
        wanted = list(cases)
        known = {c["case"] for c in manifest}
        unknown = [c for c in wanted if c not in known]
        if unknown:
            raise ValueError(f"no conformance case {unknown[0]!r}; the cases are {', '.join(sorted(known))}")
        chosen = [c for c in manifest if c["case"] in wanted]
    answers = []
    for case in chosen:
        scenario = loads(case["toml"], case["scenario"])
        policy_for = make_policy(scenario, case["variant"], case["warmup"])
        for pass_ in ("full", "sampled") if sampled else ("full",):
            lines = []
            for text in _native.conformance_asked(case["case"], pass_).splitlines():
                history = json.loads(text)["history"]
                triples = [(st["action"], st["observation"], st["query"]) for st in history]
                lines.append(_their_line(history, policy_for(triples)))
            answers.append((case["case"], pass_, lines))
    tol = None if tolerance is None else _text(tolerance, "tolerance")
    rel = None if rel_tolerance is None else _text(rel_tolerance, "rel_tolerance")
    doc, text = _native.conformance_judge(answers, tol, rel)
    return Conformance(json.loads(doc), text)


# --- The atlas of constants -------------------------------------------------


def _atlas_shard(args: Dict[str, Any], index: int, count: int) -> str:
    """One shard's ``atlas.json`` text: what each Dask task runs (a plain
    module-level function, so that it pickles by name)."""
    return _native.atlas_shard(
        args["family"],
        args["actions"],
        args["models"],
        args["grid"],
        args["alpha"],
        args["priors"],
        args["width"],
        args["max_depth"],
        args["max_states"],
        f"{index}/{count}",
        args["threads"],
    )


class AtlasResult:
    """A whole atlas (``imitator atlas``): ``json`` is the very text of its
    ``atlas.json``, ``data`` that document with its exact numbers as
    Fractions, ``ratios`` the largest certified lower and upper ends per
    ratio and α, ``undecided`` the runs whose intervals did not close."""

    def __init__(self, text: str) -> None:
        self.json = text
        self.data = _exact(json.loads(text))

    @property
    def total(self) -> int:
        """How many classes the family has."""
        return int(self.data["classes_total"])

    @property
    def ratios(self) -> List[Record]:
        return list(self.data["ratios"])

    @property
    def undecided(self) -> List[Record]:
        return list(self.data["undecided"])

    def extremes(self, ratio: str, alpha: Number) -> Record:
        """The line of ``ratio`` (``a``, ``a_prime``, ``b``, ``b_prime``,
        ``query_cubed_sum``) at ``alpha``: ``lower``, ``witness``, ``upper``."""
        a = Fraction(_text(alpha, "alpha"))
        for line in self.data["ratios"]:
            if line["ratio"] == ratio and line["alpha"] == a:
                return line
        raise KeyError(f"no line for ratio {ratio!r} at alpha {a}")

    def files(self) -> Dict[str, bytes]:
        """Every file ``imitator atlas --out DIR`` writes, by name, byte for byte."""
        return dict(_native.atlas_files(self.json))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AtlasResult) and other.json == self.json

    def __repr__(self) -> str:
        return f"AtlasResult({self.total} classes, {len(self.undecided)} undecided runs)"


def atlas(
    family: str,
    actions: int,
    models: int,
    grid: int,
    alpha: Iterable[Number],
    *,
    priors: Optional[int] = None,
    width: Number = Fraction(1, 10**6),
    max_depth: int = 100000,
    max_states: int = 200000,
    shards: Optional[int] = None,
    threads: Optional[int] = None,
    client: Any = None,
) -> AtlasResult:
    """Every class of a grid family over its lifetime (``imitator atlas``).

    Without ``client`` the atlas runs in this process (in ``shards`` parts, one
    after the other, when given). With a ``dask.distributed`` ``client`` it is
    split into ``shards`` parts (default: four per worker), each run by one
    task with ``client.map``, and the parts are merged here: the result equals
    the single-process run's, byte for byte. ``threads`` is each part's
    worker threads (default: every core of its machine; give 1 when each Dask
    worker process has one core).
    """
    if shards is not None and (isinstance(shards, bool) or not isinstance(shards, int) or shards < 1):
        raise ValueError(f"shards must be a whole number at least 1, not {shards!r}")
    alphas = ",".join(_text(a, "alpha") for a in alpha)
    args = {
        "family": family,
        "actions": actions,
        "models": models,
        "grid": grid,
        "alpha": alphas,
        "priors": priors,
        "width": _text(width, "width"),
        "max_depth": max_depth,
        "max_states": max_states,
        "threads": threads,
    }
    if client is None:
        n = shards or 1
        parts = [_atlas_shard(args, i, n) for i in range(1, n + 1)]
    else:
        if shards is None:
            workers = len(client.scheduler_info().get("workers", {})) or 1
            shards = 4 * workers
        n = shards
        futures = client.map(_atlas_shard, [args] * n, range(1, n + 1), [n] * n, pure=False)
        parts = client.gather(futures)
    return AtlasResult(_native.atlas_merge(list(parts)))
