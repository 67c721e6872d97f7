"""What Mosquitto's dynamic security plugin costs against the password file and ACL it replaced (issue 16).

The same loggers with the same secrets (PBKDF2-SHA512 at the tracker's 1,000 iterations in both), the same
broker binary and settings; only the access control differs: `logistics broker-config`'s dynamic security
file, or the password file and ACL it used to write. Each round starts a fresh broker of each kind, one
after the other, and measures:

- connects per second: loggers log in one after another over raw sockets (CONNECT, password check,
  client-id check, CONNACK, DISCONNECT), so that the client costs next to nothing;
- publishing: `--publishers` loggers send `--messages` QoS 1 messages in all with mosquitto_pub, each
  waiting for its PUBACKs, into the ingest user's persistent session (ACL checked on every PUBLISH);
- delivery: mosquitto_sub, as the ingest user, drains that session (ACL checked on every delivery).

Printed: the medians for each kind and the ratio dynamic security / password file and ACL (above 1 is
faster). The medians of several rounds are what counts on a busy machine.

Run: .venv/bin/python bench/broker_security.py [--loggers 500] [--connects 2000] [--messages 50000]
     [--publishers 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._broker import BenchBroker  # noqa: E402
from logistics.core.dynsec import IngestAccount, dynamic_security_file  # noqa: E402
from logistics.core.mosquitto import acl_file, hash_secret, new_secret, password_file  # noqa: E402

PLUGIN = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so"
INGEST = "ingest"
TOPIC = "coldchain/loggers/+/telemetry"


@dataclass(frozen=True)
class Accounts:
    secrets: dict[str, str]  # logger id (and "ingest") -> secret

    @property
    def loggers(self) -> list[str]:
        return [user for user in self.secrets if user != INGEST]


def accounts(count: int) -> Accounts:
    return Accounts({**{f"LG-{n:05d}": new_secret() for n in range(count)}, INGEST: new_secret()})


def start_passwd_acl(users: Accounts) -> BenchBroker:
    hashes = [(user, hash_secret(secret)) for user, secret in users.secrets.items()]
    return BenchBroker(access="allow_anonymous false\npassword_file {dir}/passwd\nacl_file {dir}/acl\n",
                       files={"passwd": password_file(hashes),
                              "acl": acl_file(logger_ids=users.loggers, ingest_user=INGEST)})


def start_dynsec(users: Accounts) -> BenchBroker:
    loggers = [(code, hash_secret(users.secrets[code])) for code in users.loggers]
    text = dynamic_security_file(loggers=loggers,
                                 ingest=IngestAccount(INGEST, hash_secret(users.secrets[INGEST])))
    return BenchBroker(access=f"allow_anonymous false\nplugin {PLUGIN}\n"
                              "plugin_opt_config_file {dir}/dynamic-security.json\n",
                       files={"dynamic-security.json": text})


def _string(text: str) -> bytes:
    data = text.encode()
    return len(data).to_bytes(2, "big") + data


def _length(value: int) -> bytes:  # MQTT's variable byte integer (MQTT v3.1.1 §2.2.3)
    out = bytearray()
    while True:
        value, digit = divmod(value, 128)
        out.append(digit | (0x80 if value else 0))
        if not value:
            return bytes(out)


def connect_packet(client_id: str, username: str, password: str) -> bytes:
    """An MQTT 3.1.1 CONNECT with user name, password and a clean session (flags 0xC2), keepalive 30 s."""
    body = _string("MQTT") + bytes([4, 0xC2]) + (30).to_bytes(2, "big")
    body += _string(client_id) + _string(username) + _string(password)
    return b"\x10" + _length(len(body)) + body


def connects_per_second(broker: BenchBroker, users: Accounts, count: int) -> float:
    packets = [connect_packet(code, code, users.secrets[code])
               for code in (users.loggers[n % len(users.loggers)] for n in range(count))]
    began = time.perf_counter()
    for packet in packets:
        with socket.create_connection((broker.host, broker.port)) as connection:
            connection.sendall(packet)
            connack = connection.recv(4)
            if connack[:2] != b"\x20\x02" or connack[3] != 0:
                raise SystemExit(f"the broker refused a logger: CONNACK {connack!r}")
            connection.sendall(b"\xe0\x00")  # DISCONNECT
    return count / (time.perf_counter() - began)


def mosquitto(tool: str, broker: BenchBroker, user: str, secret: str, client_id: str,
              *args: str) -> list[str]:
    return [tool, "-h", broker.host, "-p", str(broker.port), "-u", user, "-P", secret, "-i", client_id,
            "-q", "1", *args]


def publish_and_deliver(broker: BenchBroker, users: Accounts, messages: int,
                        publishers: int) -> tuple[float, float]:
    """Messages per second published (all PUBACKs in) and delivered to the ingest's session."""
    ingest = [INGEST, users.secrets[INGEST], "bench-ingest", "-c", "-t", TOPIC]
    subprocess.run(mosquitto("mosquitto_sub", broker, *ingest, "-E"), check=True, timeout=60)
    senders = users.loggers[:publishers]
    share = messages // len(senders)

    def send(code: str) -> None:
        lines = "".join(json.dumps({"seq": n, "temp": 5.0}) + "\n" for n in range(share))
        subprocess.run(mosquitto("mosquitto_pub", broker, code, users.secrets[code], code, "-l",
                                 "-t", f"coldchain/loggers/{code}/telemetry"),
                       input=lines.encode(), check=True, timeout=600)

    began = time.perf_counter()
    with ThreadPoolExecutor(len(senders)) as pool:
        list(pool.map(send, senders))
    published = time.perf_counter() - began
    began = time.perf_counter()
    subprocess.run(mosquitto("mosquitto_sub", broker, *ingest, "-C", str(share * len(senders))),
                   check=True, timeout=600, stdout=subprocess.DEVNULL)
    delivered = time.perf_counter() - began
    total = share * len(senders)
    return total / published, total / delivered


def measure(start: Callable[[Accounts], BenchBroker], users: Accounts,
            args: argparse.Namespace) -> tuple[float, float, float]:
    broker = start(users)
    try:
        connects = connects_per_second(broker, users, args.connects)
        published, delivered = publish_and_deliver(broker, users, args.messages, args.publishers)
        return connects, published, delivered
    finally:
        broker.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loggers", type=int, default=500, help="registered loggers (accounts)")
    parser.add_argument("--connects", type=int, default=2000, help="logins measured per round")
    parser.add_argument("--messages", type=int, default=50_000, help="QoS 1 messages per round")
    parser.add_argument("--publishers", type=int, default=10, help="loggers publishing at once")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of both kinds; the median counts")
    args = parser.parse_args()
    if not Path(PLUGIN).is_file():
        raise SystemExit(f"the dynamic security plugin is not at {PLUGIN}")
    users = accounts(args.loggers)
    results: dict[str, list[tuple[float, float, float]]] = {"passwd+acl": [], "dynsec": []}
    for _ in range(args.rounds):
        results["passwd+acl"].append(measure(start_passwd_acl, users, args))
        results["dynsec"].append(measure(start_dynsec, users, args))
    print(f"{args.loggers} loggers, {args.connects} logins and {args.messages} QoS 1 messages from "
          f"{args.publishers} loggers per round, {args.rounds} rounds (medians)")
    for index, what in enumerate(("logins/s", "messages/s published", "messages/s delivered")):
        old = statistics.median(row[index] for row in results["passwd+acl"])
        new = statistics.median(row[index] for row in results["dynsec"])
        rounds = ", ".join(f"{a[index] and b[index] / a[index]:.2f}"
                           for a, b in zip(results["passwd+acl"], results["dynsec"], strict=True))
        print(f"{what:>22}: passwd+acl {old:9.0f}  dynsec {new:9.0f}  ratio {new / old:.2f} "
              f"(per round {rounds})")


if __name__ == "__main__":
    main()
