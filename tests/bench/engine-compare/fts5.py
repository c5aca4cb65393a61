# SPDX-License-Identifier: MIT
# The FTS5 side of the engine comparison (README.md beside this file):
# "index" indexes the body of every mail of m/cur into fts.db (FTS5,
# contentless, SQLite's unicode61 tokenizer: no stemming, a lower bound on
# FTS5's cost); "FILE" times the queries of FILE, one a line, ranked by
# bm25 over all matches, 20 results each.
import os
import sqlite3
import sys
import time

mode = sys.argv[1]
if mode == 'index':
    if os.path.exists('fts.db'):
        os.remove('fts.db')
    db = sqlite3.connect('fts.db')
    db.execute("create virtual table t using fts5(body, content='', "
               "tokenize='unicode61 remove_diacritics 2')")
    c0 = time.process_time()
    w0 = time.time()
    with db:
        for nm in sorted(os.listdir('m/cur')):
            t = open('m/cur/' + nm, encoding='utf-8').read()
            db.execute("insert into t(body) values (?)", (t[t.index('\n\n'):],))
    print("fts5 index cpu %.1f wall %.1f" % (time.process_time() - c0,
                                            time.time() - w0))
    sys.exit(0)
db = sqlite3.connect('fts.db')
ts = []
c0 = time.process_time()
hits = 0
for q in open(mode):
    q = q.strip()
    w0 = time.time()
    r = db.execute("select rowid from t where t match ? order by rank "
                   "limit 20", (q,)).fetchall()
    ts.append((time.time() - w0) * 1000)
    hits += len(r)
ts.sort()
print("%s fts5 median %.2f p99 %.2f ms, cpu/query %.2f ms, hits %d" % (
    mode, ts[len(ts) // 2], ts[int(len(ts) * 0.99)],
    (time.process_time() - c0) * 1000 / len(ts), hits))
