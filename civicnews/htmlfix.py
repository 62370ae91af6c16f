"""Repairs a page needs before lxml parses it; browsers make them implicitly.

libxml2's HTML parser ends the document at the first ``</body>`` or
``</html>`` end tag, wherever it is: a widget or a pasted fragment that
carries its own ``</body></html>`` in mid-page hides the article after it.
Browsers (HTML5 tree construction) ignore such stray end tags.
"""

from __future__ import annotations

import re

_END_OF_DOCUMENT = re.compile(r"</(?:body|html)\s*>", re.I)


def repair_html(text: str) -> str:
    """`text` without ``</body>``/``</html>`` end tags, which lxml implies at the end anyway."""
    return _END_OF_DOCUMENT.sub("", text)
