"""Where tablets on the office network can reach this server."""
from __future__ import annotations

import socket


def lan_addresses() -> list[str]:
    """Return this machine's IPv4 addresses a tablet on the office network could use."""
    found = set()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))  # picks the outgoing interface; sends nothing
            found.add(s.getsockname()[0])
    except OSError:
        pass
    try:
        found.update(a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None,
                                                         socket.AF_INET))
    except OSError:
        pass
    return sorted(a for a in found if not a.startswith("127.")) or ["127.0.0.1"]


def is_local(host: str) -> bool:
    """Return whether a Host header names this machine only (no tablet can use it)."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name in ("localhost", "127.0.0.1", "[::1]")


def tablet_base_url(host_url: str, host: str) -> str:
    """Return the base URL a tablet should use: the LAN address when staff are on localhost."""
    if not is_local(host):
        return host_url
    port = host.rsplit(":", 1)[1] if ":" in host and not host.endswith("]") else "80"
    return f"http://{lan_addresses()[0]}:{port}/"
