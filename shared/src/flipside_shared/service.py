"""Wiring shared by every service: pool, migrations, broker, subscribers, relay, HTTP.

A service's `app.py` describes itself with a `ServiceDefinition`; `create_app`
turns that into a FastAPI application whose lifespan starts and stops the rest,
so `uvicorn` runs one process with the consumer, the relay and the API.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar
from wsgiref.simple_server import WSGIServer

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest, start_http_server

from . import unstorable
from .auth.tokens import TokenVerifier
from .body_limit import BodyLimit
from .consumer import EventHandlers, EventProcessor
from .deadletter import DEAD_LETTER_HEADERS, DeadLetters, dead_letter_bytes, dead_letter_topic
from .envelope import CORRELATION_HEADER, headers_schema
from .events import Event
from .events.sources import service_source
from .kafka import broker_security, reliable_producer
from .logging import configure_logging
from .migrations import migrate
from .outbox import OutboxRelay
from .retry import Backoff, is_transient
from .settings import ServiceSettings
from .subscriber import RecordProcessor, stop_consuming, subscribe
from .topics import ensure_topics, stream_topics
from .unit_of_work import EventTooLarge, Repository, RepositoryFactory, UnitOfWorkFactory, pooled

log = structlog.get_logger(__name__)

T = TypeVar("T")

GRACEFUL_TIMEOUT_SECONDS = 30.0
RELAY_STOP_SECONDS = 10.0


@dataclass
class Runtime(Generic[Repository]):
    """What a running service holds; handed to its API routes and background workers."""

    name: str
    settings: ServiceSettings
    pool: asyncpg.Pool
    units: UnitOfWorkFactory[Repository]
    producer: AIOKafkaProducer
    relay: OutboxRelay
    broker: KafkaBroker


BackgroundWorker = Callable[[Runtime[Repository]], Coroutine[Any, Any, None]]


@dataclass
class ServiceDefinition(Generic[Repository]):
    name: str
    settings: ServiceSettings
    migrations: Path
    repository: RepositoryFactory[Repository]
    """How the service's repository is made on a connection: what every unit of work hands out."""
    handlers: EventHandlers[Repository]
    api: APIRouter | None = None
    workers: list[BackgroundWorker[Repository]] = field(default_factory=list)
    emits: tuple[type[Event], ...] = ()
    components: tuple[object, ...] = ()
    """The service's own objects its routes receive by type (`flipside_shared.dependencies.component`): its
    service layer, a clock."""
    larger_bodies: Mapping[str, int] = field(default_factory=dict)
    """Paths (regular expressions) whose requests may have a larger body than `http_max_body_bytes`, and their limit."""

    @property
    def source(self) -> str:
        return service_source(self.name)


def create_app(definition: ServiceDefinition[Any]) -> FastAPI:
    settings = definition.settings
    configure_logging(definition.name, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await _start(definition)
        app.state.runtime = runtime
        metrics_server = _serve_metrics(settings.http_host, settings.metrics_port) if settings.metrics_port else None
        relay = asyncio.create_task(runtime.relay.run(), name="outbox_relay")
        tasks = [asyncio.create_task(worker(runtime), name=worker.__name__) for worker in definition.workers]
        log.info("service started", http_port=settings.http_port)
        try:
            yield
        finally:
            # Stop consuming first, so in-flight handlers commit (and their offsets) before the pool closes.
            await stop_consuming(runtime.broker, GRACEFUL_TIMEOUT_SECONDS, settings.consumer_batch_wait_ms)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            # The relay last, ending after its round: never cut between publishing and marking sent.
            runtime.relay.stop()
            try:
                await asyncio.wait_for(relay, RELAY_STOP_SECONDS)
            except TimeoutError:
                log.warning("outbox relay still in a round at shutdown; its rows will be published again")
            await runtime.producer.stop()
            await runtime.pool.close()
            if metrics_server is not None:
                metrics_server.shutdown()
                metrics_server.server_close()
            log.info("service stopped")

    # The API's description maps every route and field for a caller: served only where asked for.
    described = settings.http_docs
    app = FastAPI(
        title=f"Flipside {definition.name}",
        lifespan=lifespan,
        docs_url="/docs" if described else None,
        redoc_url="/redoc" if described else None,
        openapi_url="/openapi.json" if described else None,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.http_max_body_bytes, larger_bodies=definition.larger_bodies)
    for error in unstorable.UNSTORABLE:
        app.add_exception_handler(error, unstorable.unprocessable)
    app.add_exception_handler(EventTooLarge, _too_large)
    app.state.components = {type(component): component for component in definition.components}
    # Built before anything starts: without an issuer and audience the service refuses to run open.
    app.state.token_verifier = TokenVerifier(settings.auth)
    app.include_router(_health_routes(metrics_on_api_port=settings.metrics_port is None))
    if definition.api is not None:
        app.include_router(definition.api)
    return app


async def _start(definition: ServiceDefinition[Repository]) -> Runtime[Repository]:
    settings = definition.settings
    schema = definition.name
    pool = await connect_pool(settings.database_url, schema, settings.db_pool_size)
    async with pool.acquire() as conn:
        await migrate(pooled(conn), schema, definition.migrations)
    dead_letter = dead_letter_topic(settings.topic_prefix, definition.name)
    if settings.kafka.create_topics:
        limit = settings.kafka.max_message_bytes
        configs = {topic: {"max.message.bytes": str(limit)} for topic in stream_topics(settings.topic_prefix)}
        configs[dead_letter] = {"max.message.bytes": str(dead_letter_bytes(limit))}
        await _with_retries(lambda: ensure_topics(settings.kafka, list(configs), configs))
    producer = reliable_producer(settings.kafka, client_id=f"{definition.name}-producer")
    await _with_retries(producer.start)
    units = UnitOfWorkFactory(
        pool,
        definition.source,
        settings.topic_prefix,
        definition.repository,
        settings.kafka.max_message_bytes,
    )
    dead_letters = DeadLetters(producer, dead_letter, definition.name)
    broker = wire_broker(definition, EventProcessor(definition.handlers, units, dead_letters, settings.topic_prefix))
    # The relay's own producer, made anew when a broker refusal breaks its sequence numbers.
    relay = OutboxRelay(
        settings.database_url,
        schema,
        lambda: reliable_producer(settings.kafka, client_id=f"{definition.name}-relay"),
        batch_size=settings.outbox_batch_size,
        poll_seconds=settings.outbox_poll_seconds,
    )
    await _with_retries(broker.start)
    return Runtime(definition.name, settings, pool, units, producer, relay, broker)


def wire_broker(definition: ServiceDefinition[Any], processor: RecordProcessor) -> KafkaBroker:
    """The service's broker: a subscriber per consumed stream, and its emitted events declared for AsyncAPI.

    The declared publishers document the contract only: the outbox relay is the one that publishes.
    """
    settings = definition.settings
    broker = KafkaBroker(
        settings.kafka.bootstrap_servers,
        security=broker_security(settings.kafka),
        client_id=f"{definition.name}-consumer",
        graceful_timeout=GRACEFUL_TIMEOUT_SECONDS,
        logger=None,
    )
    read = definition.handlers.subscriptions(settings.topic_prefix)
    for stream in definition.handlers.streams():
        # A stream's own and inbound topics share one member of the group: each member is one more rebalance.
        topics = {
            t: read[t]
            for t in (stream.topic(settings.topic_prefix), stream.inbound_topic(settings.topic_prefix))
            if t in read
        }
        subscribe(
            broker,
            tuple(topics),
            settings.group_id(definition.name),
            processor,
            {topic: tuple(t.ce_type for t in types) for topic, types in topics.items()},
            settings.consumer_batch_wait_ms,
        )
    for event_type in definition.emits:
        broker.publisher(
            event_type.stream.topic(settings.topic_prefix),
            title=event_type.ce_type,
            schema=event_type,
            description=f"CloudEvents type {event_type.ce_type}, key {event_type.stream.key_field}, source {definition.source}",
        )
    broker.publisher(
        dead_letter_topic(settings.topic_prefix, definition.name),
        title=f"{definition.name}{DEAD_LETTERS}",
        description="Records this service could not handle, unchanged (key, value, headers), with dlq_* headers saying why.",
    )
    return broker


DEAD_LETTERS = ".dead-letter"


def asyncapi_document(broker: KafkaBroker, service: str) -> dict[str, Any]:
    """faststream's document, with the headers records really carry: the CloudEvents ones (where the correlation id
    is), and for dead letters the record's own plus the `dlq_*` ones."""
    specification = AsyncAPI(broker, title=f"Flipside {service}", schema_version="3.0.0")
    document: dict[str, Any] = json.loads(specification.to_specification().to_json())
    for name, message in document["components"]["messages"].items():
        if name.endswith(f"{DEAD_LETTERS}:Message"):
            added = {
                header: {"type": "string", "description": meaning} for header, meaning in DEAD_LETTER_HEADERS.items()
            }
            message["headers"] = {"type": "object", "properties": added, "required": sorted(added)}
            message.pop("correlationId", None)
        else:
            message["headers"] = headers_schema()
            message["correlationId"] = {"location": f"$message.header#/{CORRELATION_HEADER}"}
    return document


async def connect_pool(url: str, schema: str, size: int) -> asyncpg.Pool:
    """A pool on one service's schema, with jsonb as Python values; waits for a database still starting."""

    async def init(conn: asyncpg.Connection) -> None:
        await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")

    async def connect() -> asyncpg.Pool:
        return await asyncpg.create_pool(
            url, min_size=1, max_size=size, init=init, server_settings={"search_path": f'"{schema}"'}
        )

    return await _with_retries(connect)


async def _with_retries(start: Callable[[], Awaitable[T]], attempts: int = 30) -> T:
    backoff = Backoff(first=0.2, cap=3.0)
    while True:
        try:
            return await start()
        except Exception as error:
            if not is_transient(error) or backoff.attempts >= attempts:
                raise
            await backoff.sleep(error)


async def _too_large(request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=413)


def _serve_metrics(host: str, port: int) -> WSGIServer:
    """/metrics on a port of its own, which scrapers reach inside the cluster and the API's callers do not."""
    server, _ = start_http_server(port, host)
    log.info("metrics served", metrics_port=port)
    return server


def running(request: Request) -> Runtime[Any]:
    """The running service, for routes: a FastAPI dependency (`flipside_shared.dependencies` types it per service)."""
    runtime: Runtime[Any] = request.app.state.runtime
    return runtime


def _health_routes(metrics_on_api_port: bool) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "live"}

    if metrics_on_api_port:

        @router.get("/metrics")
        async def metrics() -> Response:
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @router.get("/asyncapi.json")
    async def asyncapi(runtime: Annotated[Runtime[Any], Depends(running)]) -> JSONResponse:
        """This service's consumers, generated from the code by faststream."""
        return JSONResponse(asyncapi_document(runtime.broker, runtime.name))

    @router.get("/health/ready")
    async def ready(runtime: Annotated[Runtime[Any], Depends(running)]) -> JSONResponse:
        checks = {"database": False, "broker": False}
        try:
            async with runtime.pool.acquire(timeout=2) as conn:
                checks["database"] = await conn.fetchval("SELECT true")
        except Exception:
            pass
        checks["broker"] = await runtime.broker.ping(timeout=2)
        status = 200 if all(checks.values()) else 503
        return JSONResponse({"ready": status == 200, **checks}, status_code=status)

    return router
