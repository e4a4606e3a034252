"""``aftersales corrections export``: agents' category fixes as training examples (JSONL).

Feed the file to ``aftersales train --corrections FILE``. Reads the tickets table named by
``--table`` or ``TICKETS_TABLE`` (``AWS_ENDPOINT_URL`` points at the local stack).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any


def _export(args: argparse.Namespace) -> int:
    from aftersales.adapters.dynamodb_corrections import DynamoCorrectionStore

    table = args.table or os.environ.get("TICKETS_TABLE")
    if not table:
        print("error: give --table or set TICKETS_TABLE", file=sys.stderr)
        return 2
    corrections = DynamoCorrectionStore(table).list_all()
    lines = [c.model_dump_json() for c in corrections]
    if args.out == "-":
        sys.stdout.write("".join(line + "\n" for line in lines))
    else:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.writelines(line + "\n" for line in lines)
    print(f"exported {len(lines)} corrections", file=sys.stderr)
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("corrections", help="agents' category corrections")
    actions = parser.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write corrections as JSONL for `aftersales train --corrections`")
    export.add_argument("--out", default="-", help="file to write (default: stdout)")
    export.add_argument("--table", default=None, help="tickets table (default: $TICKETS_TABLE)")
    export.set_defaults(func=_export)
