"""The IKM of PermenPAN-RB 14/2017 and its rules, in pure Python: usable on its own
(`python -m ikm FILE`), with no web framework and no database."""
