"""`python -m flipside_operations`: the operator CLI, as the operations image runs it."""

from .cli import main

main()
