#!/usr/bin/env python3
"""sigv4_server.py — a loopback HTTP server that checks AWS Signature
Version 4 the way an AWS endpoint does, then answers or forwards.

The signature is recomputed with botocore's SigV4Auth (an implementation
independent of libcurl's) over the headers the request says it signed; a
difference answers 400 {"__type": "...#InvalidSignatureException"} with the
canonical request in the message, as AWS does. A signed header that was
not sent, or a missing Authorization / X-Amz-Date, is
IncompleteSignatureException. --token T requires X-Amz-Security-Token T
(UnrecognizedClientException otherwise). Requests that pass go to
--upstream URL (dynalite) when given, else get {} back.

With --log FILE every request is appended to FILE as one JSON line
({"target", "verdict", "headers"}), so a test can see what was sent. The
port (0: a free one) is printed on stdout: "port N".

Usage: sigv4_server.py --secret S [--token T] [--upstream URL] [--port N] [--log FILE]
"""
import argparse
import http.server
import json
import re
import sys
import threading
import urllib.error
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AUTH_RE = re.compile(
    r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
    r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$"
)


class ClientSignedHeaders(SigV4Auth):
    """SigV4Auth over exactly the headers the client listed (botocore would
    otherwise choose its own, leaving out User-Agent and Expect)."""

    def __init__(self, credentials, service, region, names, sent):
        super().__init__(credentials, service, region)
        self.names = names
        self.sent = sent

    def headers_to_sign(self, request):
        from botocore.compat import HTTPHeaders

        h = HTTPHeaders()
        for name in self.names:
            h[name] = self.sent[name]
        return h


def verify(args, method, path, headers, body):
    """(None, None) when the signature holds, else (error name, message)."""
    auth = headers.get("authorization")
    date = headers.get("x-amz-date")
    if not auth or not date:
        return "MissingAuthenticationTokenException", "Request is missing Authentication Token"
    m = AUTH_RE.match(auth)
    if not m:
        return "IncompleteSignatureException", "Authorization header is malformed: " + auth
    akid, day, region, service, signed, signature = m.groups()
    names = signed.split(";")
    missing = [n for n in names if n not in headers]
    if missing:
        return ("IncompleteSignatureException",
                "Signed headers that the request does not have: " + ", ".join(missing))
    if day != date[:8]:
        return "IncompleteSignatureException", "Credential date does not match X-Amz-Date"
    if args.token is not None and headers.get("x-amz-security-token") != args.token:
        return "UnrecognizedClientException", "The security token included in the request is invalid."
    creds = Credentials(akid, args.secret)
    signer = ClientSignedHeaders(creds, service, region, names, headers)
    req = AWSRequest(method=method, url="http://" + headers["host"] + path, data=body,
                     headers={n: headers[n] for n in names})
    req.context["timestamp"] = date
    canonical = signer.canonical_request(req)
    expected = signer.signature(signer.string_to_sign(req, canonical), req)
    if expected != signature:
        return ("InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. "
                "The Canonical String for this request should have been\n'%s'" % canonical)
    return None, None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def answer(self, status, body, content_type="application/x-amz-json-1.0",
               request_id="sigv4-server-0000"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", request_id)
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        args = self.server.args
        n = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(n) if n else b""
        headers = {}
        for k, v in self.headers.items():
            k = k.lower()
            headers[k] = headers[k] + "," + v if k in headers else v
        error, message = verify(args, self.command, self.path, headers, body)
        if args.log:
            line = json.dumps({"target": headers.get("x-amz-target"),
                               "verdict": error or "ok", "headers": headers})
            with self.server.log_lock, open(args.log, "a") as fh:
                fh.write(line + "\n")
        if error:
            self.answer(400, {"__type": "com.amazon.coral.service#" + error, "message": message})
            return
        if not args.upstream:
            self.answer(200, {})
            return
        fwd = urllib.request.Request(args.upstream, data=body, method=self.command)
        for name in ("x-amz-target", "content-type", "authorization", "x-amz-date"):
            if name in headers:
                fwd.add_header(name, headers[name])
        try:
            with urllib.request.urlopen(fwd, timeout=30) as r:
                status, data, h = r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            status, data, h = e.code, e.read(), e.headers
        self.answer(status, data, h.get("content-type") or "application/x-amz-json-1.0",
                    h.get("x-amzn-requestid") or "sigv4-server-0000")

    do_POST = do_GET = do_PUT = do_DELETE = handle_any


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--secret", required=True)
    p.add_argument("--token")
    p.add_argument("--upstream")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--log")
    args = p.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.args = args
    server.log_lock = threading.Lock()
    print("port %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
