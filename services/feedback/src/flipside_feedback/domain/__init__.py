"""Survey links, answers and confidentiality rules: pure Python, no I/O."""
