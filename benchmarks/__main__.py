"""``python -m benchmarks --size S|M|L [--runs N] [--db URL] [--out benchmarks/RESULTS.md]``: see
:mod:`benchmarks.harness`."""

import sys

from benchmarks.harness import main

sys.exit(main())
