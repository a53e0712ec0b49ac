#!/usr/bin/env python3
"""A tiny stand-in for the OpenAI Responses API (streaming), so Codex runs a real turn offline.

First request of a turn: after DELAY s, a shell tool call (Codex then asks for approval when
approval_policy is "untrusted"). After the tool output comes back: a short message, turn done.
usage: mock_responses.py PORT LOG [DELAY]
"""

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, LOG = int(sys.argv[1]), sys.argv[2]
DELAY = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
N = [0]


def log(*parts):
    with open(LOG, "a") as f:
        f.write(time.strftime("%T ") + " ".join(str(p) for p in parts) + "\n")


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def _json(self, obj, code=200):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        log("GET", self.path)
        if "models" in self.path:
            self._json(
                {"object": "list", "data": [{"id": "mock-model", "object": "model"}], "models": []}
            )
        else:
            self._json({})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            req = json.loads(body or b"{}")
        except Exception:
            req = {}
        items = req.get("input", []) if isinstance(req.get("input"), list) else []
        tools = [
            t.get("name") or t.get("type") for t in req.get("tools", []) if isinstance(t, dict)
        ]
        has_output = (
            bool(items)
            and isinstance(items[-1], dict)
            and items[-1].get("type", "").endswith("_output")
        )
        log(
            "POST",
            self.path,
            "tools=",
            tools,
            "n_input=",
            len(items),
            "last=",
            (items[-1].get("type") if items and isinstance(items[-1], dict) else None),
            "has_output=",
            has_output,
        )
        if not self.path.rstrip("/").endswith("/responses"):
            self._json({})
            return
        N[0] += 1
        rid = f"resp_{N[0]}"
        time.sleep(DELAY)
        if not has_output:
            if "exec_command" in tools:
                name, args = (
                    "exec_command",
                    {
                        "cmd": "echo hello > out2.txt",
                        "sandbox_permissions": "require_escalated",
                        "justification": "Write out2.txt outside the read-only sandbox",
                    },
                )
            elif "shell_command" in tools:
                name, args = "shell_command", {"command": "echo hello > out2.txt"}
            else:
                name, args = "shell", {"command": ["bash", "-lc", "echo hello > out2.txt"]}
            item = {
                "type": "function_call",
                "id": f"fc_{N[0]}",
                "call_id": f"call_{N[0]}",
                "name": name,
                "arguments": json.dumps(args),
                "status": "completed",
            }
        else:
            item = {
                "type": "message",
                "id": f"msg_{N[0]}",
                "role": "assistant",
                "status": "completed",
                "content": [
                    {"type": "output_text", "text": "Done: out2.txt says hello.", "annotations": []}
                ],
            }
        events = [
            {
                "type": "response.created",
                "response": {"id": rid, "status": "in_progress", "output": []},
            },
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {**item, "status": "in_progress"},
            },
        ]
        if item["type"] == "message":
            events.append(
                {
                    "type": "response.output_text.delta",
                    "output_index": 0,
                    "content_index": 0,
                    "item_id": item["id"],
                    "delta": item["content"][0]["text"],
                }
            )
        events += [
            {"type": "response.output_item.done", "output_index": 0, "item": item},
            {
                "type": "response.completed",
                "response": {
                    "id": rid,
                    "status": "completed",
                    "output": [item],
                    "usage": {
                        "input_tokens": 10,
                        "input_tokens_details": {"cached_tokens": 0},
                        "output_tokens": 5,
                        "output_tokens_details": {"reasoning_tokens": 0},
                        "total_tokens": 15,
                    },
                },
            },
        ]
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for ev in events:
            chunk = f"event: {ev['type']}\ndata: {json.dumps(ev)}\n\n".encode()
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.flush()
            time.sleep(0.05)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
