"""``python -m bot`` is the ``dlxh`` command."""

import sys

from bot.cli import main

sys.exit(main())
