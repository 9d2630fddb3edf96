"""``python -m benchmarks``: the harvest benchmarks (see benchmarks/run.py)."""

from benchmarks.run import main

main()
