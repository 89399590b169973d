"""The skills taxonomy: which topic names mean the same thing, and which are close."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_TAXONOMY = Path(__file__).resolve().parent.parent / "data" / "taxonomy.toml"
RELATED_SIMILARITY = 0.5


@dataclass(frozen=True)
class Topic:
    """One topic as people pick it: its name (what a profile's skill or goal says), the other names it goes by
    (casefolded, as matching compares them) and the topics close to it."""

    name: str
    synonyms: tuple[str, ...]
    related: tuple[str, ...]


class TaxonomyError(ValueError):
    """A taxonomy file that would make matching ambiguous."""


@dataclass(frozen=True)
class Taxonomy:
    canonical: dict[str, str]
    """Casefolded topic name or synonym -> the topic it names."""
    related: dict[str, frozenset[str]]
    """Topic -> topics close to it, both ways round."""
    _neighbourhoods: dict[str, dict[str, float]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, path: Path = DEFAULT_TAXONOMY) -> Taxonomy:
        try:
            topics = tomllib.loads(path.read_text())["topics"]
        except (OSError, tomllib.TOMLDecodeError, KeyError) as error:
            raise TaxonomyError(f"{path}: not a taxonomy file ({error})") from error
        canonical: dict[str, str] = {}
        for topic, entry in topics.items():
            for name in [topic, *entry.get("synonyms", [])]:
                key = name.strip().casefold()
                if canonical.setdefault(key, topic) != topic:
                    raise TaxonomyError(f"{path}: {name!r} names both {canonical[key]!r} and {topic!r}")
        related: dict[str, set[str]] = {topic: set() for topic in topics}
        for topic, entry in topics.items():
            for name in entry.get("related", []):
                other = canonical.get(name.strip().casefold())
                if other is None:
                    raise TaxonomyError(f"{path}: {topic!r} is related to {name!r}, which is not a topic")
                if other != topic:
                    related[topic].add(other)
                    related[other].add(topic)
        return cls(canonical, {topic: frozenset(close) for topic, close in related.items()})

    def topics(self) -> list[Topic]:
        """Every topic, alphabetically regardless of case, for people picking skills and goals."""
        names: dict[str, list[str]] = {topic: [] for topic in {*self.related, *self.canonical.values()}}
        for name, topic in self.canonical.items():
            if name != topic.casefold():
                names[topic].append(name)
        return [
            Topic(topic, tuple(sorted(names[topic])), tuple(sorted(self.related.get(topic, ()), key=str.casefold)))
            for topic in sorted(names, key=str.casefold)
        ]

    def topic(self, name: str) -> str:
        """The topic a name stands for; an unknown name stands for itself."""
        key = name.strip().casefold()
        return self.canonical.get(key, key)

    def neighbourhood(self, name: str) -> dict[str, float]:
        """Every topic a skill of this name helps with, and how much (1 for itself, less for related ones)."""
        if name not in self._neighbourhoods:
            topic = self.topic(name)
            self._neighbourhoods[name] = {
                **{other: RELATED_SIMILARITY for other in self.related.get(topic, ())},
                topic: 1.0,
            }
        return self._neighbourhoods[name]

    def similarity(self, offered: str, wanted: str) -> float:
        return self.neighbourhood(offered).get(self.topic(wanted), 0.0)
