"""Print what a parser currently makes of a saved page, to review expected.json.

Usage: python tests/golden.py tests/fixtures/constructed/liferay/<case>
"""

import json
import sys
from pathlib import Path

from civicnews.parsers import parse_page

for arg in sys.argv[1:]:
    case = Path(arg)
    meta = json.loads((case / "meta.json").read_text("utf-8"))
    html = (case / "input.html").read_bytes().decode(meta.get("encoding", "utf-8"))
    print(
        json.dumps(
            parse_page(meta["family"], meta["url"], html).to_dict(), ensure_ascii=False, indent=2
        )
    )
