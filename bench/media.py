#!/usr/bin/env python3
"""Helpers of bench/media.sh (standard library only).

  media.py png W H OUT                       a photo-like PNG (smooth light, grain), for a first upload
  media.py upload BASE TOKEN JPEG N THREADS  N distinct copies of JPEG (a numbered comment segment
                                             after SOI) uploaded over THREADS kept-alive connections;
                                             prints the throughput and, last, the id of one record
"""
import http.client
import json
import random
import struct
import sys
import threading
import time
import urllib.parse
import zlib


def make_png(w, h, out):
    rnd = random.Random(7)
    rows = bytearray()
    for y in range(h):
        rows.append(0)
        for x in range(w):
            g = rnd.randint(-12, 12)
            r = (x * 255 // w + g) & 0xFF
            gr = (y * 255 // h + g) & 0xFF
            b = ((x + y) * 127 // (w + h) + 64 + g) & 0xFF
            rows += bytes((r, gr, b))

    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(bytes(rows), 6)) + chunk(b"IEND", b"")
    with open(out, "wb") as f:
        f.write(png)


def upload(base, token, path, n, threads):
    with open(path, "rb") as f:
        jpeg = f.read()
    assert jpeg[:2] == b"\xff\xd8", "not a JPEG"
    url = urllib.parse.urlparse(base)
    run = f"{time.time_ns()}".encode()

    def copy(i):
        text = b"bench " + run + b" " + str(i).encode()
        return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text + jpeg[2:]

    ids, errors, lock = [], [], threading.Lock()

    def worker(k):
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        for i in range(k, n, threads):
            body = copy(i)
            conn.request("POST", "/api/v1/media", body=body, headers={
                "Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"})
            res = conn.getresponse()
            data = res.read()
            with lock:
                if res.status == 201:
                    ids.append(json.loads(data)["id"])
                else:
                    errors.append(f"{res.status} {data[:200]!r}")

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    took = time.perf_counter() - started
    if errors:
        sys.exit(f"{len(errors)} uploads failed, first: {errors[0]}")
    mib = n * len(jpeg) / (1024 * 1024)
    print(f"upload: {n} JPEGs of {len(jpeg) / 1024:.0f} KiB over {threads} connections in {took:.1f} s: "
          f"{n / took:.1f} images/s, {mib / took:.1f} MiB/s")
    print(ids[0])


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "png":
        make_png(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif cmd == "upload":
        upload(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))
    else:
        sys.exit(__doc__)
