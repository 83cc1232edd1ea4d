"""The machine the server runs on: starting at boot, logs, upkeep."""
