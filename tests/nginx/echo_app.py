#!/usr/bin/env python3
"""The application behind nginx in tests/nginx/test_authz.sh: it answers
every request with what it received, so that the test sees which
X-Onecard-* headers nginx handed on (and which it did not).

    echo_app.py PORT_FILE LOG_FILE

Listens on 127.0.0.1, a port of the kernel's choice, written to PORT_FILE
once it listens. Answers 200 text/plain:

    method GET
    path /some/where
    body-bytes 12
    header x-onecard-sub: p-0001
    ...                       (every request header, name in lower case)

and appends "METHOD PATH" to LOG_FILE per request (how the test knows a
refused request never reached the application).
"""
import http.server
import os
import sys

MAX_BODY = 1 << 20


class Echo(http.server.BaseHTTPRequestHandler):
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(n, MAX_BODY)) if n > 0 else b""
        lines = [
            "method " + self.command,
            "path " + self.path,
            "body-bytes " + str(len(body)),
        ]
        for name, value in self.headers.items():
            lines.append("header " + name.lower() + ": " + value)
        out = ("\n".join(lines) + "\n").encode("utf-8", "replace")
        with open(self.server.log_file, "a", encoding="utf-8") as log:
            log.write(self.command + " " + self.path + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = answer
    do_POST = answer
    do_PUT = answer

    def log_message(self, fmt, *args):
        pass


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: echo_app.py PORT_FILE LOG_FILE\n")
        return 2
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    server.log_file = sys.argv[2]
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(str(server.server_address[1]) + "\n")
    os.replace(tmp, sys.argv[1])
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
