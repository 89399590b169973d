"""Matching rules and scores: pure Python, no I/O."""
