"""Where a `next` parameter may send the browser: only to a path on this site (an open redirect would
let a link on a phishing mail show our address and land on another)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def same_site_path(target: str | None) -> str | None:
    """`target` as a path on this site (with its query and fragment), or None if it might lead anywhere
    else. Judged as a browser reads it (WHATWG URL): browsers drop tabs and line breaks anywhere in a URL
    and trim control characters and spaces at its ends, so `/\\t/evil.example` is `//evil.example`, and
    they read a backslash as a slash. Such targets are refused, not repaired."""
    if not target or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):  # a browser reads "///x" as host x
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return urlunsplit(("", "", parts.path, parts.query, parts.fragment))
