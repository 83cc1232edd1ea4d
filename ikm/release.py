"""This release of the program: its version, and the day it was made."""
from __future__ import annotations

from datetime import date

VERSION = "0.2.0"
# The server's clock cannot be earlier than the day its program was made: an office PC
# whose flat CMOS battery boots it in 2019 is caught by this alone (ikm.clock.server_behind).
DATE = date(2026, 11, 30)
