"""Calendars, slots and timer policy: pure Python, no I/O."""
