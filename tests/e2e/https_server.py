#!/usr/bin/python3
"""A releases API on loopback over TLS, for kata-runtime check's tests.

Usage: https_server.py DIR NAME=CERT:KEY...
Listens on one port per NAME, each with its own certificate, and writes
"NAME PORT" lines to DIR/ports when ready. Every request is counted in
DIR/requests. Paths:
  /releases  releases 0.0.9, 0.1.0, 0.2.0 and 0.3.0-rc.1
  /none      only 0.1.0            /empty  []
  /truncated Content-Length 1000, 100 bytes, close
  /big       Content-Length of 5 MiB      /big-chunked  5 MiB chunked
  /garbage   not JSON              /slow   no answer for 5 s
  /404       Not Found             /ratelimit  GitHub's 403 "rate limit exceeded"
"""
import http.server
import json
import os
import ssl
import sys
import threading
import time

D = sys.argv[1]
LOCK = threading.Lock()


def rel(tag, day):
    return {"tag_name": tag, "prerelease": "-" in tag,
            "assets": [{"name": "kata-runtime", "created_at": "2026-11-%02dT00:00:00Z" % day,
                        "browser_download_url": "https://example.invalid/%s/kata-runtime" % tag}]}


BODIES = {
    "/releases": [rel("0.0.9", 1), rel("0.1.0", 2), rel("0.2.0", 3), rel("0.3.0-rc.1", 4),
                  {"tag_name": "junk", "assets": []}],
    "/none": [rel("0.1.0", 2)],
    "/empty": [],
}


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with LOCK:
            with open(os.path.join(D, "requests"), "a") as f:
                f.write("%s %s %s\n" % (self.server.name, self.path,
                                        self.headers.get("User-Agent")))
        p = self.path
        if p in BODIES:
            self.send(200, json.dumps(BODIES[p]).encode())
        elif p == "/truncated":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"[" + b" " * 99)
            self.wfile.flush()
            self.close_connection = True
        elif p == "/big":
            self.send(200, b"[" + b" " * (5 << 20) + b"]")
        elif p == "/big-chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b" " * 65536
            try:
                for _ in range(80):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
        elif p == "/garbage":
            self.send(200, b"<html>this is not the API</html>", "text/html")
        elif p == "/slow":
            time.sleep(5)
        elif p == "/ratelimit":
            self.send(403, b'{"message":"API rate limit exceeded for 127.0.0.1."}')
        else:
            self.send(404, b'{"message":"Not Found"}')


class S(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that refuses the certificate is expected here


def main():
    ports = []
    for spec in sys.argv[2:]:
        name, files = spec.split("=", 1)
        cert, key = files.split(":")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        srv = S(("127.0.0.1", 0), H)
        srv.name = name
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        ports.append("%s %d" % (name, srv.server_address[1]))
    with open(os.path.join(D, "ports.tmp"), "w") as f:
        f.write("\n".join(ports) + "\n")
    os.rename(os.path.join(D, "ports.tmp"), os.path.join(D, "ports"))
    while True:
        time.sleep(60)


main()
