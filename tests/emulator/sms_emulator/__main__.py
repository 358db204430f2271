"""``python -m sms_emulator`` (with tests/emulator on PYTHONPATH)."""

import sys

from .cli import main

sys.exit(main())
