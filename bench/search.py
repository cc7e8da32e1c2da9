#!/usr/bin/env python3
"""Data and queries for bench/search.sh (standard library only).

  generate COUNT CSV QUERIES   write COUNT articles (~3 KB of Vietnamese text each) as CSV, and
                               the 200 queries, both from the demo data's own words
  load-sqlite DB CSV           insert the articles into a migrated SQLite database
  run BASE_URL QUERIES PATH    time each query through HTTP, print median and p95

Text is made by a word-pair (Markov) chain over the demo articles, so the generated reports use
real Vietnamese words in realistic pairs ("Đảng ủy phường", "Thái Nguyên", "ngân sách"). A fixed
seed makes every run load the same data and ask the same questions.
"""

import csv
import http.client
import json
import random
import re
import sqlite3
import statistics
import sys
import time
import unicodedata
import urllib.parse
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent / "src" / "demo" / "demo.json"
SEED = 20211108
COLUMNS = ["slug", "title", "summary", "body", "category", "status", "published_at",
           "created_at", "updated_at", "version"]
CATEGORIES = ["kinh tế", "xây dựng Đảng", "chính trị", "xã hội", "văn hóa", "quốc phòng - an ninh"]
WORD = re.compile(r"\w+", re.UNICODE)


def fold(s):
    """Lower case, no diacritics, đ as d (what bantin's search ignores)."""
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in s if not unicodedata.combining(c)).lower()


def demo_sentences():
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    texts = []
    for a in data["articles"]:
        texts += [a["title"], a.get("summary") or "", a["body"]]
    for m in data["meetings"]:
        texts += [m["title"], m.get("topic") or "", m.get("summary") or ""]
        texts += [d["text"] for d in m.get("directives", [])]
    sentences = []
    for t in texts:
        for s in re.split(r"[.;:!?\n]+", t):
            words = WORD.findall(s)
            if len(words) >= 4:
                sentences.append(words)
    return sentences


def chain(sentences):
    following = {}
    for words in sentences:
        for a, b in zip(words, words[1:]):
            following.setdefault(a, []).append(b)
    return following


def make_sentence(rng, following, starts, n):
    word = rng.choice(starts)
    out = [word]
    while len(out) < n:
        nxt = following.get(word)
        word = rng.choice(nxt) if nxt else rng.choice(starts)
        out.append(word)
    s = " ".join(out)
    return s[0].upper() + s[1:]


def generate(count, csv_path, queries_path):
    rng = random.Random(SEED)
    sentences = demo_sentences()
    following = chain(sentences)
    starts = [s[0] for s in sentences]
    pool = []
    for _ in range(30000):
        s = make_sentence(rng, following, starts, rng.randint(8, 22))
        pool.append(s + rng.choice([".", ".", ".", ",", ";"]))
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        for i in range(count):
            title = make_sentence(rng, following, starts, rng.randint(8, 14))
            summary = " ".join(rng.sample(pool, 3))
            parts, size = [], 0
            while size < 3000:
                p = rng.choice(pool)
                parts.append(p)
                size += len(p.encode("utf-8")) + 1
                if rng.random() < 0.12:
                    parts.append("\n\n")
            body = " ".join(parts).replace(" \n\n ", "\n\n")
            day = 1546300800 + rng.randint(0, 7 * 365 * 86400)
            t = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(day))
            status = "published" if rng.random() < 0.95 else "draft"
            w.writerow([f"bench-{i}", title, summary, body, rng.choice(CATEGORIES), status,
                        t if status == "published" else "", t, t, 1])
    queries = make_queries(rng, sentences)
    Path(queries_path).write_text("\n".join(queries) + "\n", encoding="utf-8")


def make_queries(rng, sentences):
    """200 queries: single words, two words, phrases, exclusions; half typed without diacritics."""
    words = [w for s in sentences for w in s if not w.isdigit() and len(w) > 1]
    pairs = [(a, b) for s in sentences for a, b in zip(s, s[1:]) if not (a.isdigit() or b.isdigit())]
    out = []
    for i in range(200):
        kind = i % 4
        if kind == 0:
            q = rng.choice(words)
        elif kind == 1:
            q = f"{rng.choice(words)} {rng.choice(words)}"
        elif kind == 2:
            a, b = rng.choice(pairs)
            q = f'"{a} {b}"'
        else:
            q = f"{rng.choice(words)} -{rng.choice(words)}"
        if i % 8 >= 4:
            q = fold(q)
        out.append(q.lower() if rng.random() < 0.5 else q)
    return out


def load_sqlite(db, csv_path):
    csv.field_size_limit(10_000_000)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    rows = ([None if v == "" else v for v in row] for row in csv.reader(open(csv_path, encoding="utf-8")))
    with conn:
        conn.executemany(
            f"INSERT INTO articles ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
            rows,
        )
    print(f"loaded {conn.execute('SELECT count(*) FROM articles').fetchone()[0]} articles")


def run(base, queries_path, path):
    url = urllib.parse.urlparse(base)
    queries = [q for q in Path(queries_path).read_text(encoding="utf-8").splitlines() if q]
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)

    def ask(q):
        target = f"{path}?q={urllib.parse.quote(q)}&limit=20"
        start = time.perf_counter()
        conn.request("GET", target)
        res = conn.getresponse()
        body = res.read()
        ms = (time.perf_counter() - start) * 1000
        if res.status != 200:
            sys.exit(f"{target}: {res.status} {body[:300]!r}")
        return ms, len(json.loads(body)["data"])

    for q in queries:  # warm-up pass: caches and connection pools as in steady use
        ask(q)
    results = [ask(q) for q in queries]
    times = sorted(ms for ms, _ in results)
    p95 = times[int(round(0.95 * len(times))) - 1]
    empty = sum(1 for _, n in results if n == 0)
    print(f"  {path}: {len(times)} queries, median {statistics.median(times):.1f} ms, "
          f"p95 {p95:.1f} ms, max {times[-1]:.1f} ms ({empty} found nothing)")
    slowest = sorted(zip((ms for ms, _ in results), queries), reverse=True)[:3]
    print("    slowest: " + ", ".join(f"{q!r} {ms:.0f} ms" for ms, q in slowest))


if __name__ == "__main__":
    cmd, *args = sys.argv[1:] or ["help"]
    if cmd == "generate":
        generate(int(args[0]), args[1], args[2])
    elif cmd == "load-sqlite":
        load_sqlite(args[0], args[1])
    elif cmd == "run":
        run(args[0], args[1], args[2])
    else:
        sys.exit(__doc__)
