"""The kiosk page's weight: the page and every same-origin file it pulls in, uncompressed."""
from __future__ import annotations

import json
import re
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

# The service worker is registered from script and the manifest names the icons:
# a tablet downloads both, so they count.
SCRIPT_URL = re.compile(r"""serviceWorker\.register\(\s*["']([^"']+)["']""")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value and not value.startswith("#"):
                self.urls.append(value)


def _fetch(url: str) -> tuple[bytes, str]:
    # No Accept-Encoding: the bytes as the files are, not as a proxy might squeeze them.
    with urllib.request.urlopen(urllib.request.Request(url), timeout=30) as reply:
        return reply.read(), reply.headers.get_content_type()


def kiosk_weight(base: str, path: str = "/kiosk/") -> dict:
    """Fetch the page and its same-origin files; return bytes per URL and the total."""
    origin = urlsplit(base).netloc
    page_url = urljoin(base, path)
    page, _ = _fetch(page_url)
    parser = _Links()
    parser.feed(page.decode("utf-8"))
    queue = [urljoin(page_url, u) for u in parser.urls]
    files = {path: len(page)}
    while queue:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc != origin or parts.path in files:
            continue
        body, kind = _fetch(url)
        files[parts.path] = len(body)
        if kind.endswith("json"):  # the web app manifest's icons
            queue += [urljoin(url, i["src"]) for i in json.loads(body).get("icons", [])]
        elif kind.endswith("javascript"):
            queue += [urljoin(url, u) for u in SCRIPT_URL.findall(body.decode("utf-8"))]
    return {"files": files, "total_bytes": sum(files.values())}
