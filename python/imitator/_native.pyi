"""Type stubs of the native part of `imitator` (the Rust core). Use the functions of `imitator` itself:
they take and give Fractions, where these take and give exact numbers as "p/q" text and JSON documents."""

from typing import Iterator, List, Optional, Tuple

class ScenarioError(ValueError):
    """A scenario that cannot be read or is not valid: file, key, line and column in the message."""

class LimitError(RuntimeError):
    """A request past one of imitator's limits."""

    limit: str

class Scenario:
    name: str
    actions: List[str]
    observations: List[str]
    models: List[str]
    truth: str
    alpha_text: str
    truth_weight_text: str
    depth: Optional[int]
    events: List[str]
    def to_toml(self) -> str: ...

class PolicyLines(Iterator[str]):
    def __iter__(self) -> "PolicyLines": ...
    def __next__(self) -> str: ...
    def close(self) -> None: ...

def load(path: str) -> Scenario: ...
def loads(text: str, name: str) -> Scenario: ...
def verify(
    scenario: Scenario,
    depth: Optional[int],
    engine: str,
    variant: str,
    warmup: int,
    max_states: int,
    max_memory_mib: int,
    time_limit: Optional[float],
    threads: Optional[int],
) -> str: ...
def lifetime(
    scenario: Scenario,
    width: str,
    max_depth: Optional[int],
    variant: str,
    warmup: int,
    arithmetic: str,
    max_states: int,
    max_memory_mib: int,
    time_limit: Optional[float],
    threads: Optional[int],
) -> str: ...
def policy(scenario: Scenario, depth: Optional[int], variant: str, warmup: int, max_memory_mib: int) -> PolicyLines: ...
def diff(
    scenario: Scenario,
    lines: List[str],
    depth: Optional[int],
    variant: str,
    warmup: int,
    tolerance: Optional[str],
    rel_tolerance: Optional[str],
    max_memory_mib: int,
    sample: Optional[Tuple[int, int]],
) -> str: ...
def sample(
    scenario: Scenario, depth: int, sample: int, seed: int, variant: str, warmup: int, max_memory_mib: int
) -> str: ...
def conformance_cases() -> str: ...
def conformance_asked(case: str, pass_: str) -> str: ...
def conformance_judge(
    answers: List[Tuple[str, str, List[str]]], tolerance: Optional[str], rel_tolerance: Optional[str]
) -> Tuple[str, str]: ...
def atlas_shard(
    family: str,
    actions: int,
    models: int,
    grid: int,
    alpha: str,
    priors: Optional[int],
    width: str,
    max_depth: int,
    max_states: int,
    shard: str,
    threads: Optional[int],
) -> str: ...
def atlas_merge(parts: List[str]) -> str: ...
def atlas_files(json: str) -> List[Tuple[str, bytes]]: ...
