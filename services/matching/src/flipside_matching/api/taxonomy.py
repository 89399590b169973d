"""The topics matching knows, for people picking their skills and goals."""

from __future__ import annotations

from typing import Annotated, get_args

from fastapi import APIRouter, Depends

from flipside_shared.auth.rules import authenticated
from flipside_shared.dependencies import component
from flipside_shared.events.participants import CommunicationStyle

from ..domain.taxonomy import Taxonomy

router = APIRouter()

TaxonomyDependency = Annotated[Taxonomy, Depends(component(Taxonomy))]


@router.get("/taxonomy", dependencies=[Depends(authenticated)])
async def taxonomy(known: TaxonomyDependency) -> dict:
    """Skills and goals name the same topics: a topic's `id` is the name to put in a profile, and a synonym
    counts as the topic itself (a name not listed still matches itself). `communication` lists the choices of
    a profile's meeting style."""
    topics = [
        {"id": topic.name, "label": topic.name, "synonyms": list(topic.synonyms), "related": list(topic.related)}
        for topic in known.topics()
    ]
    return {
        "skills": topics,
        "goals": topics,
        "communication": {
            name: list(get_args(field.annotation)) for name, field in CommunicationStyle.model_fields.items()
        },
    }
