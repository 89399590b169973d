"""Values PostgreSQL refuses however often they are sent: text with a NUL character (`\\u0000`), which no
`text` or `jsonb` column holds. Events and request bodies refuse it (`flipside_shared.text`); text that reaches
the database another way (a path parameter) fails there: the sender's input, answered with its reason (a 422,
or a dead letter), never retried and never a 500."""

from __future__ import annotations

from asyncpg.exceptions import CharacterNotInRepertoireError, UntranslatableCharacterError
from fastapi import Request
from fastapi.responses import JSONResponse

UNSTORABLE = (CharacterNotInRepertoireError, UntranslatableCharacterError)


def reason(error: Exception) -> str:
    return f"text the database cannot store (a NUL character): {error}"


async def unprocessable(request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": reason(error)}, status_code=422)
