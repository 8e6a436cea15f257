#!/usr/bin/env python3
"""One big upload for bench/run.sh, streamed from a file, never read whole:
  big_upload.py multipart API TOKEN TYPE CONTENT_TYPE FILE [PARALLEL]  presigned parts, PARALLEL at a time (4)
  big_upload.py stream    API TOKEN TYPE CONTENT_TYPE FILE             the worker's PUT .../content
Prints the artifact id and the final variant status; fails loudly on any unexpected answer."""
import concurrent.futures
import http.client
import json
import os
import sys
import urllib.parse

CHUNK = 1 << 20


def request(method, url, token=None, body=None, headers=None, length=None, source=None):
    """One HTTP request; the body is JSON, or `length` bytes of `source` = (path, offset)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if source is None:
        payload = None if body is None else json.dumps(body).encode()
        if payload is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=payload, headers=headers)
    else:
        headers["Content-Length"] = str(length)
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        with open(source[0], "rb") as f:
            f.seek(source[1])
            left = length
            while left:
                block = f.read(min(CHUNK, left))
                conn.send(block)
                left -= len(block)
    answer = conn.getresponse()
    data = answer.read()
    conn.close()
    if answer.status >= 300:
        sys.exit(f"{method} {parts.path}: HTTP {answer.status} {data[:300]!r}")
    return answer, (json.loads(data) if data and "json" in answer.getheader("Content-Type", "") else None)


def create(api, token, kind, content_type, size, multipart):
    _, created = request("POST", f"{api}/artifacts", token, {
        "type": kind, "boardId": "bench-big", "contentType": content_type, "size": size, "multipart": multipart})
    return created["artifact"]["id"]


def multipart(api, token, kind, content_type, path, parallel):
    size = os.path.getsize(path)
    artifact = create(api, token, kind, content_type, size, True)
    _, started = request("POST", f"{api}/artifacts/{artifact}/multipart", token)
    upload, part_size, count = started["uploadId"], started["partSize"], started["partCount"]
    signed = {}
    for first in range(1, count + 1, 1000):
        numbers = list(range(first, min(count, first + 999) + 1))
        _, answer = request("POST", f"{api}/artifacts/{artifact}/multipart/{upload}/parts", token, {"partNumbers": numbers})
        signed.update({p["partNumber"]: p for p in answer["parts"]})

    def put(number):
        offset = (number - 1) * part_size
        part = signed[number]
        answer, _ = request(part["method"], part["url"], headers=part.get("headers"),
                            length=min(part_size, size - offset), source=(path, offset))
        return {"partNumber": number, "etag": answer.getheader("ETag")}

    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        parts = list(pool.map(put, range(1, count + 1)))
    _, done = request("POST", f"{api}/artifacts/{artifact}/multipart/{upload}/complete", token, {"parts": parts})
    return artifact, done


def stream(api, token, kind, content_type, path):
    size = os.path.getsize(path)
    artifact = create(api, token, kind, content_type, size, False)
    _, done = request("PUT", f"{api}/artifacts/{artifact}/content", token,
                      headers={"Content-Type": content_type}, length=size, source=(path, 0))
    return artifact, done


def main():
    mode, api, token, kind, content_type, path = sys.argv[1:7]
    if mode == "multipart":
        artifact, done = multipart(api, token, kind, content_type, path, int(sys.argv[7]) if len(sys.argv) > 7 else 4)
    else:
        artifact, done = stream(api, token, kind, content_type, path)
    print(artifact, done["variants"][0]["status"], done["variants"][0]["provider"])


if __name__ == "__main__":
    main()
