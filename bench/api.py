"""API benchmark: member search latency on a county subtree, and throughput with concurrent clients
against a trivial endpoint measured in the same run.

    .venv/bin/python bench/api.py [--scale 1] [--requests 300] [--clients 8] [--seconds 10]

Prints figures only; nothing here passes or fails on timing. Goals: p95 <= 50 ms; search
throughput >= 30% of the trivial endpoint's.
"""

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from databases import generate_city, sqlite_engine
from sqlalchemy import select

from dangjian.auth import service as auth_service
from dangjian.db import session_scope
from dangjian.demo.accounts import create_demo_accounts
from dangjian.demo.names import SURNAMES
from dangjian.member.models import Member
from dangjian.org.models import Organization

P95_GOAL_MS = 50.0
THROUGHPUT_GOAL = 0.30


def log(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database_url: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DANGJIAN_DATABASE_URL": database_url}
    server = subprocess.Popen([sys.executable, "-m", "dangjian.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return server, url
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")


def search_queries(county_orgs: list[int], id_tails: list[str], rng: random.Random) -> list[dict]:
    """What organizers type into the roster: a surname, an ID tail, filters, pages, sorts."""
    queries = []
    for _ in range(1000):
        query: dict = {"org_id": rng.choice(county_orgs)}
        kind = rng.random()
        if kind < 0.4:
            query["name"] = rng.choice(SURNAMES[:40])
        elif kind < 0.6:
            query["id_tail"] = rng.choice(id_tails)
        elif kind < 0.8:
            low = rng.choice([18, 35, 46])
            query.update(gender=rng.choice(["male", "female"]), age_min=low, age_max=low + rng.choice([10, 20, 40]))
        else:
            query["education_group"] = rng.choice(["bachelor", "associate", "junior_or_less"])
        query["page"] = rng.choice([1, 1, 1, 2, 3])
        query["sort"] = rng.choice(["name", "-joined_on", "birth_on"])
        queries.append(query)
    return queries


def latencies(url: str, token: str, queries: list[dict], count: int) -> list[float]:
    times = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        for query in queries[:5]:  # warm-up
            client.get("/api/v1/members", params=query)
        for query in queries[:count]:
            started = time.perf_counter()
            response = client.get("/api/v1/members", params=query)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    return times


def throughput(url: str, token: str, paths: list[tuple[str, dict]], clients: int, seconds: float) -> float:
    """Requests per second with `clients` concurrent clients for `seconds` (bounded, loopback only)."""
    done = [0] * clients
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        rng = random.Random(i)
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            while time.monotonic() < stop:
                path, params = rng.choice(paths)
                assert client.get(path, params=params).status_code == 200
                done[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.monotonic() - started)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    rng = random.Random(20251231)
    with sqlite_engine() as engine:
        log(f"generating the demo city at scale {args.scale} ...")
        seconds, counts = generate_city(engine, args.scale)
        log(f"  {counts['member']:,} member records in {seconds:.1f} s")
        with session_scope(engine) as session:
            create_demo_accounts(session)
            county = auth_service.get_user(session, "county")
            _, token = auth_service.create_token(session, county, name="bench")
            county_org = session.get(Organization, county.org_id)
            orgs = session.scalars(select(Organization.id).where(Organization.path.startswith(county_org.path))).all()
            tails = [n[-4:] for n in session.scalars(select(Member.id_number).where(Member.org_id.in_(orgs)).limit(500))]
            members_in_county = session.query(Member).filter(Member.org_id.in_(orgs), Member.status == "active").count()
        server, url = start_server(str(engine.url))
        try:
            queries = search_queries([county_org.id] * 3 + list(orgs[:50]), tails, rng)
            times = latencies(url, token, queries, args.requests)
            bare = throughput(url, token, [("/api/v1/health", {})], args.clients, args.seconds)
            trivial = throughput(url, token, [("/api/v1/auth/me", {})], args.clients, args.seconds)
            search = throughput(url, token, [("/api/v1/members", q) for q in queries[:200]], args.clients, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=10)
    p50, p95 = percentile(times, 50), percentile(times, 95)
    log("")
    log(f"Member search as a county organizer ({county_org.name}, {members_in_county:,} members), SQLite, 1 server process")
    log(f"  latency over {len(times)} searches:  p50 {p50:.1f} ms   p95 {p95:.1f} ms   max {max(times):.1f} ms"
        f"   (goal p95 <= {P95_GOAL_MS:.0f} ms: {'met' if p95 <= P95_GOAL_MS else 'NOT met'})")
    log(f"  throughput, {args.clients} clients x {args.seconds:.0f} s each:")
    log(f"    /health (no sign-in, no database)       {bare:7.0f} req/s")
    log(f"    /auth/me (the trivial signed-in request) {trivial:7.0f} req/s")
    log(f"    member search                            {search:7.0f} req/s  = {search / trivial:.0%} of /auth/me,"
        f" {search / bare:.0%} of /health   (goal >= {THROUGHPUT_GOAL:.0%} of the trivial endpoint:"
        f" {'met' if search / trivial >= THROUGHPUT_GOAL else 'NOT met'} against /auth/me)")
    log(f"  mean {statistics.mean(times):.1f} ms")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
