"""`make bench`: model load time, FAQ query latency, end-to-end REST latency, RSS per process,
then the load levels (``load``: 1/10/20/50 shoppers, p50/p95/p99, CPU ms per turn and RSS per
process, a 5- and a 50-message conversation, the chart docs/bench-latency.png) and the FAQ search
time on synthetic FAQs of 1k/10k/100k entries (``faq-scale``).

Uses the labelled questions of tests/data/eval_cases.yml as realistic traffic.

``bench.py long-message [--chars 200000] [--rounds 5]``: how long a normal question waits while
another shopper's huge message is being processed (both over REST at the same moment).

``bench.py privacy [--conversations 20000]``: ``faqbot privacy forget`` by email (a scan of every
conversation) and by sender, and ``purge``, on a tracker of that many 20-event conversations
and one ticket per ten conversations (SQLite).

``bench.py messenger-slow [--graph-delay 2] [--rounds 5]``: how long a web chat question waits
while a Messenger shopper's turn waits for a slow Graph API (a local stand-in answering every
Send API call after ``--graph-delay`` seconds).

``bench.py crash-heal [--shoppers 20] [--rounds 1]``: kill -9 of the handoff service, the action
server and Rasa under `make run`'s supervisor while shoppers chat; seconds until each answers
again (scripts/crash_load.py, also used by tests/integration/test_crash_under_load.py).

``bench.py load [--shoppers 1,10,20,50] [--turns 10] [--long] [--plot PNG] [--scaled 2,2]``: the
load levels alone (scripts/bench_load.py); ``--scaled``: against the scale-out mode's balancer.

``bench.py faq-scale [--entries 1000,10000,100000]``: the FAQ search time alone
(scripts/bench_faq_scale.py).

``bench.py handoff-sync [--tickets 10,200] [--seconds 30]``: Rasa HTTP requests per second and
CPU of the handoff service while that many shoppers wait, with the event broker and with
tracker polling (``FAQBOT_EVENT_BROKER_URL=none``, the sync before the broker).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import yaml
from stack import ROOT, Stack, free_port, measurement_config

from bot.encoder import open_encoder
from bot.faq.service import FaqService
from bot.faq.settings import load_settings


def percentiles(samples: list[float]) -> str:
    """``median / p95`` in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


def target(samples: list[float], limit: float) -> str:
    """Whether the p95 meets a latency goal (goals live here, not in timed test asserts)."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"(goal p95 < {limit:g} s: {'met' if p95 < limit else 'MISSED'})"


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    process = psutil.Process(pid)
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 1e6


def main() -> int:
    """Run every measurement (or the ``long-message`` one) and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=240, help="REST messages to send")
    parser.add_argument("--handoffs", type=int, default=30, help="escalated chats to take over")
    parser.add_argument("--shoppers", default="1,10,20,50", help="load levels (concurrency)")
    parser.add_argument("--turns", type=int, default=10, help="messages per shopper")
    parser.add_argument(
        "--plot", type=Path, default=ROOT / "docs/bench-latency.png", help="latency chart (PNG)"
    )
    parser.add_argument("--entries", default="1000,10000,100000", help="synthetic FAQ sizes")
    commands = parser.add_subparsers(dest="command")
    long_message = commands.add_parser("long-message", help="a huge message vs a normal one")
    long_message.add_argument("--chars", type=int, default=200_000, help="its length")
    long_message.add_argument("--rounds", type=int, default=5, help="times to measure")
    slow = commands.add_parser("messenger-slow", help="a web chat question vs a slow Graph API")
    slow.add_argument("--graph-delay", type=float, default=2.0, help="seconds per Send API call")
    slow.add_argument("--rounds", type=int, default=5, help="times to measure")
    load = commands.add_parser("load", help="concurrent REST shoppers against the whole stack")
    load.add_argument("--shoppers", default="1,10,20,50", help="concurrency levels")
    load.add_argument("--turns", type=int, default=10, help="messages per shopper")
    load.add_argument("--long", action="store_true", help="also a 50-message conversation")
    load.add_argument("--plot", type=Path, help="write the latency chart (PNG) here")
    load.add_argument("--json", type=Path, help="write the raw figures here")
    load.add_argument("--label", default="faqbot, 2 cores", help="the chart's title")
    load.add_argument(
        "--scaled",
        metavar="RASA,ACTIONS",
        help="the scale-out mode with this many servers behind HAProxy, e.g. 2,2 "
        "(PostgreSQL: FAQBOT_SCALE_POSTGRES_URL, a role that may create databases)",
    )
    privacy = commands.add_parser("privacy", help="faqbot privacy forget/purge on big stores")
    privacy.add_argument("--conversations", type=int, default=20_000, help="in the tracker")
    crash = commands.add_parser("crash-heal", help="kill -9 each process under load: heal times")
    crash.add_argument("--shoppers", type=int, default=20, help="concurrent REST shoppers")
    crash.add_argument("--rounds", type=int, default=1, help="times to kill each process")

    scale = commands.add_parser("faq-scale", help="FAQ search time on big synthetic FAQs")
    scale.add_argument("--entries", default="1000,10000,100000", help="FAQ sizes")
    scale.add_argument("--questions", type=int, default=60, help="searches timed per size")
    scale.add_argument(
        "--approximate-above", type=int, help="retrieval.approximate_above for the run"
    )
    sync = commands.add_parser("handoff-sync", help="handoff sync cost vs open tickets")
    sync.add_argument("--tickets", default="10,200", help="open (waiting) tickets")
    sync.add_argument("--seconds", type=float, default=30, help="measured per case")
    forecast = commands.add_parser("forecast", help="staffing forecast time vs history length")
    forecast.add_argument("--weeks", default="2,8,26", help="weeks of synthetic tickets")
    args = parser.parse_args()
    if args.command == "forecast":
        import bench_forecast

        bench_forecast.run([int(n) for n in args.weeks.split(",")])
        return 0
    if args.command == "handoff-sync":
        bench_handoff_sync([int(n) for n in args.tickets.split(",")], args.seconds)
        return 0
    if args.command == "faq-scale":
        import bench_faq_scale

        bench_faq_scale.run(
            [int(n) for n in args.entries.split(",")], args.questions, args.approximate_above
        )
        return 0
    if args.command == "privacy":
        bench_privacy(args.conversations)
        return 0
    if args.command == "crash-heal":
        return bench_crash_heal(args.shoppers, args.rounds)
    if args.command == "load":
        return bench_load_command(args)
    if args.command == "messenger-slow":
        bench_messenger_slow(args.graph_delay, args.rounds)
        return 0
    if args.command == "long-message":
        with running_stack() as stack:
            bench_long_message(stack, args.chars, args.rounds)
        return 0
    cases = yaml.safe_load((ROOT / "tests/data/eval_cases.yml").read_text(encoding="utf-8"))
    texts = [case["text"] for case in cases["cases"]]
    settings = load_settings(ROOT / "faqbot.yml")

    started = time.perf_counter()
    encoder = open_encoder(settings.model)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    service = FaqService(settings, encoder=encoder)
    service.warm_up()
    warm_seconds = time.perf_counter() - started
    for text in texts[:10]:  # warm-up (torch's kernels, the page cache)
        service.ask(text)
    embed, search, ask, restore = [], [], [], []
    for case in cases["cases"]:
        text, lang = case["text"], case["lang"]
        t0 = time.perf_counter()
        query = service.index.query_text(text, lang)  # normalising and putting back å/ä/ö
        restore.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        vector = service.index.embed(text, lang)
        t1 = time.perf_counter()
        service.index.search_vector(  # faiss + scoring + BM25, the entries the policy reads
            vector,
            text=query,
            lang=lang,
            top_k=settings.retrieval.top_k,
            within=service.thresholds.policy.clarify_window,
        )
        t2 = time.perf_counter()
        service.ask(text)
        t3 = time.perf_counter()
        embed.append(t1 - t0)
        search.append(t2 - t1)
        ask.append(t3 - t2)
    in_process_rss = psutil.Process().memory_info().rss / 1e6

    print(f"model: {encoder.name}")
    print(f"model load                 {load_seconds:6.2f} s")
    print(
        f"FAQ service warm-up        {warm_seconds:6.2f} s  ({len(service.faq.entries)} entries, "
        f"{len(service.index.rows)} rows; embeddings from the disk cache when present)"
    )
    print(f"query embed                {percentiles(embed)}   ({len(texts)} questions)")
    print(f"index search + BM25        {percentiles(search)}")
    median_restore = statistics.median(restore) * 1e6
    print(f"query text (lowercase, å/ä/ö put back) median {median_restore:5.1f} µs")
    print(f"ask (language+search+policy) {percentiles(ask)}")
    print(f"RSS of this process (model + index) {in_process_rss:6.0f} MB")
    del service, encoder

    with tempfile.TemporaryDirectory() as state:
        config = measurement_config(Path(state))  # 30 escalations: no burst guard
        stack = Stack(
            rasa_port=free_port(),
            actions_port=free_port(),
            token=uuid.uuid4().hex,
            log_dir=Path(state) / "logs",
            tracker_db=Path(state) / "tracker.db",
            handoff_port=free_port(),
            database_url=f"sqlite:///{Path(state) / 'handoff.db'}",
            handoff_config=config,
        )
        started = time.perf_counter()
        stack.start()
        up_seconds = time.perf_counter() - started
        try:
            latencies = []
            sender = ""
            for number in range(args.messages):
                if number % 4 == 0:  # conversations of four messages
                    sender = f"bench-{uuid.uuid4().hex[:8]}"
                text = texts[number % len(texts)]
                t0 = time.perf_counter()
                stack.send(sender, text)
                latencies.append(time.perf_counter() - t0)
            print(f"stack start (all servers up) {up_seconds:6.1f} s")
            print(f"end-to-end REST            {percentiles(latencies)}   ({len(latencies)} msgs)")
            bench_handoff(stack, args.handoffs)
            for child in stack.services:
                print(f"RSS {child.name:<22} {rss_mb(child.process.pid):6.0f} MB")
        finally:
            stack.stop()
    print(f"\nload average {' / '.join(f'{n:.2f}' for n in psutil.getloadavg())}", flush=True)
    status = bench_load_command(
        argparse.Namespace(
            shoppers=args.shoppers,
            turns=args.turns,
            long=True,
            plot=args.plot,
            json=None,
            label="faqbot, 2 cores",
        )
    )
    print(f"load average {' / '.join(f'{n:.2f}' for n in psutil.getloadavg())}", flush=True)
    import bench_faq_scale

    print("\nFAQ search on synthetic FAQs (embedding excluded: see query embed above)")
    bench_faq_scale.run([int(n) for n in args.entries.split(",")])
    print(f"load average {' / '.join(f'{n:.2f}' for n in psutil.getloadavg())}", flush=True)
    return status


def bench_crash_heal(shoppers: int, rounds: int) -> int:
    """Heal time of each process after a kill -9 under load, over ``rounds`` fresh stacks."""
    import crash_load

    heals: dict[str, list[float]] = {}
    failed = False
    for number in range(rounds):
        with tempfile.TemporaryDirectory(prefix="crash-heal-") as state:
            report = crash_load.run_crash_test(Path(state), shoppers=shoppers)
        print(f"round {number + 1}:\n{report.summary()}", flush=True)
        failed = failed or bool(report.problems)
        for name, took in report.heal_seconds.items():
            heals.setdefault(name, []).append(took)
    for name, samples in heals.items():
        verdict = "met" if max(samples) < 60 else "MISSED"
        print(
            f"{name:8s} healed after median {statistics.median(samples):6.1f} s, "
            f"max {max(samples):6.1f} s (goal 60 s: {verdict})"
        )
    return 1 if failed else 0


def bench_load_command(args: argparse.Namespace) -> int:
    """``bench.py load``: throughput, latency, CPU per turn and RSS at each concurrency."""
    import bench_load

    questions = bench_load.questions_by_language()
    levels = []
    with running_stack(handoff=True, scaled=getattr(args, "scaled", None)) as stack:
        bench_load.run_level(stack, 3, 3, questions)  # warm-up: first-call costs
        for shoppers in [int(n) for n in args.shoppers.split(",")]:
            levels.append(bench_load.run_level(stack, shoppers, args.turns, questions))
            print(f"{shoppers} shoppers done", flush=True)
        if args.long:
            print(bench_load.long_conversation(stack, questions, 5))
            print(bench_load.long_conversation(stack, questions, 50))
    print(bench_load.report(levels))
    if args.plot:
        bench_load.plot(levels, args.plot, args.label)
    if args.json:
        bench_load.write_json(levels, args.json)
    return 0


@contextmanager
def running_stack(handoff: bool = False, scaled: str | None = None) -> Iterator[Stack]:
    """Rasa and the action server (and the handoff service) on free ports, throw-away state.

    ``scaled`` ("2,2"): that many Rasa and action servers behind HAProxy (scripts/scaled.py),
    in throw-away PostgreSQL databases.
    """
    if scaled:
        with scaled_stack(scaled) as stack:
            yield stack
        return
    with tempfile.TemporaryDirectory() as state:
        stack = Stack(
            rasa_port=free_port(),
            actions_port=free_port(),
            token=uuid.uuid4().hex,
            log_dir=Path(state) / "logs",
            tracker_db=Path(state) / "tracker.db",
            database_url=f"sqlite:///{Path(state) / 'handoff.db'}",
            handoff_port=free_port() if handoff else None,
            handoff_config=measurement_config(Path(state)) if handoff else None,
        )
        stack.start()
        try:
            yield stack
        finally:
            stack.stop()


@contextmanager
def scaled_stack(servers: str) -> Iterator[Stack]:
    """The scale-out mode: ``servers`` = "RASA,ACTIONS"."""
    from urllib.parse import urlsplit, urlunsplit

    from scaled import ScaledStack

    url = os.environ.get("FAQBOT_SCALE_POSTGRES_URL")
    if not url:
        raise SystemExit("--scaled needs FAQBOT_SCALE_POSTGRES_URL (scripts/scale-services.sh)")
    rasa, actions = (int(n) for n in servers.split(","))
    name = f"/faqbot_bench_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as state:
        stack = ScaledStack(
            rasa_port=free_port(),
            actions_port=free_port(),
            token=uuid.uuid4().hex,
            log_dir=Path(state) / "logs",
            tracker_db=Path(state) / "tracker.db",
            handoff_port=free_port(),
            handoff_config=measurement_config(Path(state)),
            postgres_url=urlunsplit(urlsplit(url)._replace(path=name)),
            rasa_servers=rasa,
            action_servers=actions,
        )
        stack.start()
        try:
            yield stack
        finally:
            stack.stop()
            stack.drop_databases()


def bench_long_message(stack: Stack, chars: int, rounds: int) -> None:
    """A normal question's latency alone, and while a ``chars`` long message is processed."""
    question = "paljonko toimitus maksaa?"
    huge = ("Tilasin takin viime viikolla ja se oli liian pieni, miten palautan sen? " * chars)[
        :chars
    ]
    for _ in range(3):  # warm-up
        stack.send(f"warm-{uuid.uuid4().hex[:8]}", question)
    alone, waited, huge_took = [], [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        stack.send(f"alone-{uuid.uuid4().hex[:8]}", question)
        alone.append(time.perf_counter() - t0)

        def send_huge() -> None:
            t0 = time.perf_counter()
            stack.send(f"huge-{uuid.uuid4().hex[:8]}", huge, timeout=300)
            huge_took.append(time.perf_counter() - t0)

        sender = threading.Thread(target=send_huge)
        sender.start()
        time.sleep(0.05)  # the huge message goes first
        t0 = time.perf_counter()
        stack.send(f"normal-{uuid.uuid4().hex[:8]}", question, timeout=300)
        waited.append(time.perf_counter() - t0)
        sender.join()
    delay = statistics.median(waited) - statistics.median(alone)
    print(f"normal question alone             {percentiles(alone)}   ({rounds} rounds)")
    print(f"normal question, huge one at once {percentiles(waited)}")
    print(f"the huge message ({chars} chars)  {percentiles(huge_took)}")
    print(f"delay caused (median)             {delay * 1000:7.1f} ms")


def bench_messenger_slow(graph_delay: float, rounds: int) -> None:
    """A web chat question's latency alone, and while a Messenger turn waits on the Graph API."""
    import hashlib
    import hmac
    import json
    import os
    import urllib.request

    from tests.graph_api import GraphApi, Reply

    graph = GraphApi(default=Reply(delay=graph_delay))
    secret = uuid.uuid4().hex
    os.environ.update(  # the stack's processes inherit them
        FACEBOOK_VERIFY_TOKEN=uuid.uuid4().hex,
        FACEBOOK_APP_SECRET=secret,
        FACEBOOK_PAGE_ACCESS_TOKEN=uuid.uuid4().hex,
        FACEBOOK_GRAPH_URL=graph.url,
        FACEBOOK_GRAPH_TIMEOUT=str(graph_delay * 2 + 10),
    )
    question = "paljonko toimitus maksaa?"

    def messenger_turn(stack: Stack) -> None:
        now = int(time.time() * 1000)
        event = {
            "sender": {"id": uuid.uuid4().hex[:16]},
            "recipient": {"id": "1"},
            "timestamp": now,
            "message": {"mid": f"m_{uuid.uuid4().hex}", "text": question},
        }
        body = json.dumps({"object": "page", "entry": [{"id": "1", "messaging": [event]}]})
        signature = hmac.new(secret.encode(), body.encode(), hashlib.sha1).hexdigest()
        request = urllib.request.Request(
            f"{stack.rasa_url}/webhooks/facebook/webhook",
            data=body.encode(),
            headers={"Content-Type": "application/json", "X-Hub-Signature": f"sha1={signature}"},
        )
        with urllib.request.urlopen(request, timeout=600) as answer:
            answer.read()

    try:
        with running_stack() as stack:
            for _ in range(3):  # warm-up
                stack.send(f"warm-{uuid.uuid4().hex[:8]}", question)
            alone, waited, turns = [], [], []
            for _ in range(rounds):
                t0 = time.perf_counter()
                stack.send(f"alone-{uuid.uuid4().hex[:8]}", question)
                alone.append(time.perf_counter() - t0)
                graph.drain()
                t0 = time.perf_counter()
                sender = threading.Thread(target=messenger_turn, args=(stack,))
                sender.start()
                graph.take(1, timeout=120)  # the Messenger turn is waiting for the Graph API
                t1 = time.perf_counter()
                stack.send(f"web-{uuid.uuid4().hex[:8]}", question, timeout=600)
                waited.append(time.perf_counter() - t1)
                sender.join()
                turns.append(time.perf_counter() - t0)
    finally:
        graph.close()
    delay = statistics.median(waited) - statistics.median(alone)
    print(f"web chat question alone             {percentiles(alone)}   ({rounds} rounds)")
    print(f"the same, during a Messenger turn   {percentiles(waited)}")
    print(f"the Messenger turn ({graph_delay:g} s per call)  {percentiles(turns)}")
    print(f"delay caused (median)               {delay * 1000:7.1f} ms")


def bench_handoff(stack: Stack, chats: int) -> None:
    """Escalation, claim and the time an agent's reply takes to reach the shopper's socket."""
    import queue

    import requests
    import socketio

    subprocess.run(
        [str(ROOT / ".venv/bin/faqbot"), "agent", "add", "bench", "--password-stdin"],
        input="bench-password\n",
        env=stack.environment(),
        check=True,
        capture_output=True,
        text=True,
    )
    agent = requests.Session()
    login = agent.post(
        f"{stack.handoff_url}/api/login",
        json={"name": "bench", "password": "bench-password"},
        timeout=10,
    )
    agent.headers["X-CSRF-Token"] = login.json()["csrf_token"]
    escalate, claim, delivered, queue_list = [], [], [], []
    for _ in range(chats):
        inbox: queue.Queue[dict[str, object]] = queue.Queue()
        session_id = uuid.uuid4().hex
        client = socketio.Client(reconnection=False)
        client.on("bot_uttered", inbox.put)
        client.connect(stack.rasa_url, transports=["websocket"])
        client.emit("session_request", {"session_id": session_id})
        time.sleep(0.2)
        t0 = time.perf_counter()
        client.emit("user_uttered", {"message": "haluan puhua ihmiselle", "session_id": session_id})
        inbox.get(timeout=30)
        escalate.append(time.perf_counter() - t0)
        ticket = None
        deadline = time.monotonic() + 30
        while ticket is None:  # the ticket may be written just after the queue message
            if time.monotonic() > deadline:
                raise TimeoutError(f"no ticket for {session_id} in the console's list")
            t0 = time.perf_counter()
            listed = agent.get(f"{stack.handoff_url}/api/conversations", timeout=10)
            queue_list.append(time.perf_counter() - t0)
            found = [t for t in listed.json()["tickets"] if t["conversation_id"] == session_id]
            ticket = found[0] if found else None
            if ticket is None:
                time.sleep(0.05)
        t0 = time.perf_counter()
        agent.post(f"{stack.handoff_url}/api/conversations/{ticket['id']}/claim", timeout=10)
        claim.append(time.perf_counter() - t0)
        inbox.get(timeout=10)  # "... joined"
        t0 = time.perf_counter()
        agent.post(
            f"{stack.handoff_url}/api/conversations/{ticket['id']}/reply",
            json={"text": "Hei, autan mielelläni!"},
            timeout=10,
        )
        inbox.get(timeout=10)
        delivered.append(time.perf_counter() - t0)
        client.disconnect()
    print(f"escalation (socket.io)     {percentiles(escalate)}   ({chats} chats)")
    print(f"console queue list         {percentiles(queue_list)}   (up to {chats} open tickets)")
    print(f"claim (incl. Rasa events)  {percentiles(claim)}")
    print(f"agent reply → shopper      {percentiles(delivered)}   {target(delivered, 1.0)}")


def bench_handoff_sync(levels: list[int], seconds: float) -> None:
    """Rasa requests/s and CPU of the handoff service at each number of waiting tickets.

    The tickets are written straight into the ticket database (queued, paused), for real Rasa
    conversations that each got one message; the handoff service reaches Rasa through a
    counting proxy (scripts/rasa_proxy.py). Measured while nobody writes: the cost of waiting.
    """
    from rasa_proxy import CountingProxy

    from handoff.store import Store

    with running_stack(handoff=True) as stack:
        proxy = CountingProxy(stack.rasa_url)
        store = Store(str(stack.database_url))
        made = 0
        rows = []
        for level in levels:
            for _ in range(made, level):
                sender = f"wait-{uuid.uuid4().hex[:10]}"
                stack.send(sender, "hei")
                store.create_ticket(
                    conversation_id=sender,
                    channel="rest",
                    language="fi",
                    status="queued",
                    reason="explicit_request",
                    backend="console",
                    candidates=[],
                    transcript=[],
                    events_seen=0,
                    paused=True,
                )
            made = max(made, level)
            for mode, broker in (("tracker polling", "none"), ("event broker", None)):
                stack.stop_service("handoff")
                env = {**stack.environment(), "RASA_URL": proxy.url}
                if broker is not None:
                    env["FAQBOT_EVENT_BROKER_URL"] = broker
                # start-up left out: both modes read every ticket's tracker once at first
                started = proxy.snapshot()["tracker"]
                stack.start_handoff(env, wait=True)
                handoff, rasa = (service_process(stack, name) for name in ("handoff", "rasa"))
                deadline = time.monotonic() + 300
                while proxy.snapshot()["tracker"] - started < level:
                    if time.monotonic() > deadline:
                        raise TimeoutError("the handoff service read no trackers at start")
                    time.sleep(0.2)
                time.sleep(2)
                before, cpu = proxy.snapshot(), (cpu_seconds(handoff), cpu_seconds(rasa))
                time.sleep(seconds)
                after, cpu_after = proxy.snapshot(), (cpu_seconds(handoff), cpu_seconds(rasa))
                rows.append(
                    (
                        level,
                        mode,
                        sum((after - before).values()) / seconds,
                        (after - before)["tracker"] / seconds,
                        (cpu_after[0] - cpu[0]) / seconds,
                        (cpu_after[1] - cpu[1]) / seconds,
                    )
                )
        proxy.close()
        store.engine.dispose()
    print(f"handoff sync, {seconds:g} s per case, nobody writing (Rasa requests via the proxy)")
    print(
        f"{'tickets':>8}  {'sync':16} {'Rasa req/s':>10} {'trackers/s':>10} "
        f"{'handoff CPU %':>13} {'Rasa CPU %':>10}"
    )
    for level, mode, per_second, tracker_rate, handoff_cpu, rasa_cpu in rows:
        print(
            f"{level:>8}  {mode:16} {per_second:10.1f} {tracker_rate:10.1f} "
            f"{handoff_cpu * 100:13.1f} {rasa_cpu * 100:10.1f}"
        )


def service_process(stack: Stack, name: str) -> psutil.Process:
    """The running process of one of the stack's services."""
    (service,) = [s for s in stack.services if s.name == name]
    return psutil.Process(service.process.pid)


def cpu_seconds(process: psutil.Process) -> float:
    """User + system CPU seconds of a process and its children so far."""
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        try:
            times = each.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def bench_privacy(conversations: int) -> None:
    """Time forget (email, sender) and purge on stores of ``conversations`` conversations."""
    import json
    import sqlite3
    from datetime import timedelta

    from bot.tracker_db import TrackerDatabase
    from handoff.privacy import DataStores, Target, forget, purge
    from handoff.store import Store, utcnow

    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder)
        now = utcnow()
        rows = []
        for number in range(conversations):
            at = (now - timedelta(days=400 if number % 2 else 1)).timestamp()
            for turn in range(10):
                text = f"hei, olen shopper{number}@example.fi" if turn == 3 else f"kysymys {turn}"
                for kind in ("user", "bot"):
                    data = json.dumps({"event": kind, "text": text, "timestamp": at + turn})
                    rows.append((f"s{number}", kind, at + turn, data))
        with sqlite3.connect(state / "tracker.db") as conn:
            conn.execute(
                "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                "action_name VARCHAR(255), data TEXT)"
            )
            conn.execute("CREATE INDEX ix_events_sender_id ON events (sender_id)")
            conn.executemany(
                "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)",
                rows,
            )
        store = Store(f"sqlite:///{state / 'handoff.db'}")
        store.create_schema()
        for number in range(0, conversations, 10):
            ticket = store.create_ticket(
                conversation_id=f"s{number}",
                channel="rest",
                language="fi",
                status="queued",
                reason="request_human",
                backend="console",
                candidates=[],
                transcript=[("shopper", "hei", now)],
                events_seen=0,
                paused=False,
            )
            store.update_ticket(ticket.id, status="closed", closed_at=now - timedelta(days=400))
        stores = DataStores(
            store, TrackerDatabase(state / "tracker.db"), state / "r.db", state / "a.db"
        )
        print(f"{conversations} conversations, {len(rows)} events, {conversations // 10} tickets")
        for label, target in (
            ("forget EMAIL ", Target("email", "shopper10@example.fi")),
            ("forget SENDER", Target("sender", "s20")),
        ):
            started = time.perf_counter()
            report = forget(target, stores)
            print(f"{label}  {time.perf_counter() - started:6.2f} s  ({report.total()} rows)")
        started = time.perf_counter()
        report = purge(stores, 365)
        print(f"purge          {time.perf_counter() - started:6.2f} s  ({report.total()} rows)")
        store.engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
