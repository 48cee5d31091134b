"""The JSON-RPC link between the Prisma CLI and a generator process.

One JSON object per line: the CLI writes requests to the generator's stdin and reads the replies from its
stderr (the generator's stdout is passed through to the user). Lines on stderr that are not JSON are collected
by the CLI and shown if the generator exits with an error.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from typing import IO, Any

Handler = Callable[[Any], Any]

METHOD_NOT_FOUND = -32601
SERVER_ERROR = -32000


def serve(requests: IO[str], replies: IO[str], handlers: dict[str, Handler]) -> None:
    """Answer each request line with `handlers[method](params)` until the input ends."""
    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request.get("id")}
        handler = handlers.get(request.get("method"))
        if handler is None:
            message["error"] = {"code": METHOD_NOT_FOUND, "message": f"unknown method {request.get('method')!r}"}
        else:
            try:
                message["result"] = handler(request.get("params"))
            except Exception as exc:  # reported to the CLI, which prints it and fails the command
                message["error"] = {
                    "code": SERVER_ERROR,
                    "message": f"{type(exc).__name__}: {exc}",
                    "data": {"stack": traceback.format_exc()},
                }
        if message["id"] is None:  # a notification: no reply
            continue
        replies.write(json.dumps(message) + "\n")
        replies.flush()
