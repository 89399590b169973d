"""Who is told what, in which words, and what a failed send means: pure Python, no I/O."""
