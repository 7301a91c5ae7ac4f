"""``python -m scenes list`` and ``python -m scenes publish``; see :mod:`scenes.publishing`."""

import sys

from scenes.publishing.cli import main

sys.exit(main())
