"""Pure-Python workloads, run inside each interpreter under test; prints one JSON line.

    python bench/workloads.py [--repeat N] [--scale F]

Each workload covers one kind of work Python programs do (the ground pyperformance covers):
calls and recursion, dicts and sets, string building and formatting, regular expressions,
json, float arithmetic, generators and comprehensions, attribute access, big integers. The
best of N repetitions is reported, in seconds, so process start-up is not part of these times.
Standard library only, Python 3.8+: it runs on the native build, on ours and on Pyodide.
"""

import json
import re
import sys
import time


def recursion(n):
    def fib(k):
        return k if k < 2 else fib(k - 1) + fib(k - 2)
    return fib(27 + n)


def calls(n):
    def add(a, b=1, *, c=2):
        return a + b + c

    total = 0
    for i in range(1_000_000 * n):
        total = add(total, i & 7, c=1)
    return total


def dicts_and_sets(n):
    d = {}
    for i in range(300_000 * n):
        d[f"k{i % 5000}"] = d.get(f"k{i % 5000}", 0) + i
    s = set()
    for i in range(300_000 * n):
        s.add(i * 7 % 10007)
    return len(d) + len(s) + sum(1 for k in d if k in d)


def strings(n):
    parts = []
    for i in range(200_000 * n):
        parts.append(f"{i:06d}:{i * 3.5:.2f}|{'x' * (i % 7)}")
    text = "".join(parts)
    return len(text.upper().replace("X", "yz").split("|"))


def regex(n):
    pattern = re.compile(r"(\w+)@(\w+)\.(com|org|net)")
    text = " ".join(f"user{i}@host{i % 97}.{('com', 'org', 'net')[i % 3]} noise{i}"
                    for i in range(40_000 * n))
    return sum(len(m.group(2)) for m in pattern.finditer(text)) + len(re.sub(r"\d+", "#", text))


def json_roundtrip(n):
    doc = [{"id": i, "name": f"item{i}", "tags": ["a", "b", str(i)], "price": i * 1.25,
            "nested": {"ok": i % 2 == 0, "none": None}} for i in range(20_000 * n)]
    text = json.dumps(doc)
    return len(json.loads(text)) + len(text)


def float_math(n):
    x, y, vx, vy = 0.1, 0.2, 0.01, -0.02
    acc = 0.0
    for _ in range(600_000 * n):
        r2 = x * x + y * y + 0.01
        inv = 1.0 / (r2 * r2 ** 0.5)
        vx -= x * inv * 1e-4
        vy -= y * inv * 1e-4
        x += vx
        y += vy
        acc += r2
    return acc


def generators(n):
    def evens(limit):
        for i in range(limit):
            if i % 2 == 0:
                yield i

    total = sum(x * x for x in evens(1_000_000 * n))
    squares = [x * x for x in range(500_000 * n) if x % 3]
    table = {x: x % 7 for x in range(250_000 * n)}
    return total + len(squares) + len(table)


def attributes(n):
    class Point:
        __slots__ = ("x", "y")

        def __init__(self, x, y):
            self.x = x
            self.y = y

        def moved(self, dx):
            return Point(self.x + dx, self.y - dx)

    class Plain:
        def __init__(self):
            self.count = 0

    p, o = Point(0, 0), Plain()
    for _ in range(400_000 * n):
        p = p.moved(1)
        o.count += p.x & 1
    return p.x + o.count


def bigint(n):
    value = 1
    for i in range(1, 20000 * n):
        value *= i
    return value.bit_length() + len(str(value % 10**4000)) + pow(3, 10**40 * n, 10**600 + 7) % 1000


WORKLOADS = [recursion, calls, dicts_and_sets, strings, regex, json_roundtrip, float_math,
             generators, attributes, bigint]


def main(argv):
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 3
    scale = int(argv[argv.index("--scale") + 1]) if "--scale" in argv else 1
    only = [a for a in argv if not a.startswith("--") and not a.isdigit()]
    results = {}
    for workload in WORKLOADS:
        if only and workload.__name__ not in only:
            continue
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            workload(scale)
            best = min(best, time.perf_counter() - started)
        results[workload.__name__] = round(best, 5)
    print(json.dumps({"python": sys.version.split()[0], "platform": sys.platform,
                      "results": results}))


if __name__ == "__main__":
    main(sys.argv[1:])
