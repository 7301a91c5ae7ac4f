"""``python -m scenes list`` and ``python -m scenes publish``; see :mod:`scenes.publish`."""

import sys

from scenes.publish import main

sys.exit(main())
