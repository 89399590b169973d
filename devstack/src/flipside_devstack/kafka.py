"""A real Apache Kafka broker, single node in KRaft mode, on the JDK of this machine.

Its jars come from Maven Central through `mvn dependency:copy-dependencies` into a
cache (`FLIPSIDE_CACHE_DIR`, default ~/.cache/flipside), once per machine.
Kafka 4.1 works with aiokafka 0.14 (idempotent producer, groups, commits), which
the stack's own integration test checks.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import secrets
import shutil
import signal
import subprocess
import time
import uuid
from base64 import urlsafe_b64encode
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import ClassVar, Literal

from aiokafka.admin import AIOKafkaAdminClient
from pydantic import SecretStr

from flipside_shared.kafka import client_options
from flipside_shared.settings import KafkaSettings

from .ports import free_port, wait_for_port

KAFKA_VERSION = "4.1.1"
POM = resources.files("flipside_devstack") / "kafka-pom.xml"
BROKER_USER = "broker"

LOG4J2 = """<Configuration status="WARN">
  <Appenders><Console name="out" target="SYSTEM_OUT"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console></Appenders>
  <Loggers>
    <Root level="WARN"><AppenderRef ref="out"/></Root>
    <Logger name="kafka.server.BrokerServer" level="INFO"/>
  </Loggers>
</Configuration>
"""


def cache_dir() -> Path:
    return Path(os.environ.get("FLIPSIDE_CACHE_DIR", Path.home() / ".cache" / "flipside"))


def resolve_jars() -> Path:
    """The broker's class path directory, resolved from Maven Central on first use."""
    libs = cache_dir() / f"kafka-{KAFKA_VERSION}" / "libs"
    done = libs.parent / "resolved"
    if done.exists():
        return libs
    libs.parent.mkdir(parents=True, exist_ok=True)
    with open(libs.parent / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test processes on one machine resolve once
        if not done.exists():
            pom = libs.parent / "pom.xml"
            pom.write_text(POM.read_text())
            shutil.rmtree(libs, ignore_errors=True)
            subprocess.run(
                ["mvn", "-q", "-B", "-f", str(pom), "dependency:copy-dependencies", f"-DoutputDirectory={libs}"],
                check=True,
            )
            done.touch()
    return libs


@dataclass(frozen=True)
class SaslSslListener:
    """A client listener that speaks TLS and authenticates with SCRAM-SHA-512, as managed clusters do."""

    keystore: Path
    """PEM: the broker's PKCS#8 private key (unencrypted) followed by its certificate chain."""
    truststore: Path
    """PEM: the authority that signed the key store's certificate."""
    users: Mapping[str, str]
    """SCRAM users (name -> password), created when the broker's storage is formatted."""
    super_users: tuple[str, ...] | None = None
    """With names here (possibly none), the StandardAuthorizer checks ACLs: these users and the broker's own pass all."""

    mechanism: ClassVar[Literal["SCRAM-SHA-512"]] = "SCRAM-SHA-512"


class LocalKafka:
    """A PLAINTEXT client listener, or a SASL_SSL one when `security` says so; the controller's stays on loopback PLAINTEXT."""

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        controller_port: int | None = None,
        security: SaslSslListener | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.controller_port = controller_port or free_port()
        self.security = security
        # The broker's own SCRAM identity: inter-broker traffic and the start-up check go through the secured listener too.
        self._broker_password = secrets.token_hex(16)
        self.log_path = data_dir / "kafka.log"
        self._process: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def client_settings(self, username: str | None = None, password: str | None = None) -> KafkaSettings:
        """How a client reaches this broker: plainly, or over SASL_SSL as `username` (the broker's own user by default)."""
        if self.security is None:
            return KafkaSettings(bootstrap_servers=self.bootstrap_servers, security_protocol="PLAINTEXT")
        if username is None:
            username, password = BROKER_USER, self._broker_password
        return KafkaSettings(
            bootstrap_servers=self.bootstrap_servers,
            security_protocol="SASL_SSL",
            sasl_mechanism=self.security.mechanism,
            sasl_username=username,
            sasl_password=None if password is None else SecretStr(password),
            ssl_cafile=self.security.truststore,
        )

    def _java(self, main_class: str, *args: str) -> list[str]:
        classpath = f"{resolve_jars()}/*"
        return [
            "java",
            "-Xms256m",
            "-Xmx768m",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.xml'}",
            "-cp",
            classpath,
            main_class,
            *args,
        ]

    def _write_config(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "log4j2.xml").write_text(LOG4J2)
        properties = self.data_dir / "server.properties"
        properties.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                    *self._listener_properties(),
                    f"log.dirs={self.data_dir / 'logs'}",
                    "num.partitions=4",
                    "auto.create.topics.enable=true",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=4",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                ]
            )
            + "\n"
        )
        return properties

    def _listener_properties(self) -> list[str]:
        controller = f"CONTROLLER://127.0.0.1:{self.controller_port}"
        common = ["controller.listener.names=CONTROLLER"]
        if self.security is None:
            return [
                *common,
                f"listeners=PLAINTEXT://127.0.0.1:{self.port},{controller}",
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            ]
        mechanism = self.security.mechanism
        return [
            *common,
            f"listeners=SASL_SSL://127.0.0.1:{self.port},{controller}",
            f"advertised.listeners=SASL_SSL://127.0.0.1:{self.port}",
            "listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name=SASL_SSL",
            f"sasl.enabled.mechanisms={mechanism}",
            f"sasl.mechanism.inter.broker.protocol={mechanism}",
            f"listener.name.sasl_ssl.{mechanism.lower()}.sasl.jaas.config="
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{BROKER_USER}" password="{self._broker_password}";',
            "ssl.keystore.type=PEM",
            f"ssl.keystore.location={self.security.keystore}",
            "ssl.truststore.type=PEM",
            f"ssl.truststore.location={self.security.truststore}",
            *self._authorizer_properties(),
        ]

    def _authorizer_properties(self) -> list[str]:
        if self.security is None or self.security.super_users is None:
            return []
        # ANONYMOUS is whoever speaks on the controller's listener: the broker itself, over loopback PLAINTEXT.
        supers = [BROKER_USER, "ANONYMOUS", *self.security.super_users]
        return [
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "super.users=" + ";".join(f"User:{name}" for name in supers),
        ]

    def _scram_credentials(self) -> list[str]:
        """`kafka-storage format` options that create the SCRAM users, so they exist before the first client comes."""
        if self.security is None:
            return []
        users = {BROKER_USER: self._broker_password, **self.security.users}
        return [
            f"--add-scram={self.security.mechanism}=[name={name},password={password}]"
            for name, password in users.items()
        ]

    def start(self, timeout: float = 90.0) -> LocalKafka:
        properties = self._write_config()
        if not (self.data_dir / "logs" / "meta.properties").exists():
            cluster_id = urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            subprocess.run(
                # `--cluster-id=` keeps an id that starts with "-" (one in 64) from reading as an option.
                self._java(
                    "kafka.tools.StorageTool",
                    "format",
                    f"--cluster-id={cluster_id}",
                    "-c",
                    str(properties),
                    *self._scram_credentials(),
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self._java("kafka.Kafka", str(properties)), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.pid = self._process.pid
        if not (wait_for_port(self.port, timeout, lambda: self._process.poll() is None) and self._answers_metadata()):
            tail = self.log_path.read_text(errors="replace")[-3000:]
            self.stop()
            raise RuntimeError(f"Kafka did not start on port {self.port}:\n{tail}")
        return self

    def _answers_metadata(self, timeout: float = 60.0) -> bool:
        """The port opens before the broker serves clients; ask it for metadata as a client would."""

        async def ask() -> None:
            admin = AIOKafkaAdminClient(**client_options(self.client_settings()), request_timeout_ms=5000)
            await admin.start()
            try:
                await admin.list_topics()
            finally:
                await admin.close()

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # A thread of its own, so this works whether or not the caller runs an event loop.
            with ThreadPoolExecutor(1) as pool:
                try:
                    pool.submit(asyncio.run, ask()).result()
                    return True
                except Exception:
                    time.sleep(0.3)
        return False

    def stop(self, timeout: float = 30.0) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        os.killpg(self._process.pid, signal.SIGTERM)
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()

    def restart(self) -> None:
        """Stop and start on the same ports and data: clients see the broker go away and come back."""
        self.stop()
        self.start()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="The local Kafka broker's jars")
    parser.add_argument("--resolve", action="store_true", help="resolve the broker's jars into the cache and exit")
    if parser.parse_args().resolve:
        print(f"Kafka {KAFKA_VERSION} jars in {resolve_jars()}")
