"""``python -m benchmarks``: the harvest benchmarks of issue 8 (see benchmarks/run.py)."""

from benchmarks.run import main

main()
