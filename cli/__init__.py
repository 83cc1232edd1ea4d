"""The command line of python kiosk.py: one module per group of commands."""
