"""Security headers of the simulator's HTML pages.

Pages have no scripts; inline styles and the simulator's own images are all they
load. Sign-in pages refuse framing; player pages may be framed by any site, as a
Panopto embed is. No opener policy is set, so a sign-in pop-up keeps its opener.
"""

from __future__ import annotations

PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"

NO_FRAMING = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": f"{PAGE_CSP}; frame-ancestors 'none'",
}

FRAMEABLE = {"Content-Security-Policy": f"{PAGE_CSP}; frame-ancestors *"}

SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
"""An SVG opened on its own must not run script."""
