"""Deployment files checked offline: Dockerfiles linted, compose and Kubernetes manifests consistent with the code."""

import os
import re
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from flipside_devstack.kafka import KAFKA_VERSION
from flipside_devstack.platform import Platform
from flipside_operations.topic_plan import read_plan
from flipside_shared.auth.settings import AuthSettings
from flipside_shared.deadletter import dead_letter_bytes
from flipside_shared.registration import registered_services
from flipside_shared.settings import KafkaSettings
from flipside_shared.signing_secrets import SIGNING_SECRET_VARIABLES, SigningSecret

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {name: service.settings for name, service in registered_services().items()}
KUBERNETES_VERSION = "1.33.0"
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def env_names(settings: type[BaseSettings]) -> set[str]:
    """Every environment variable a settings class reads."""
    prefix = settings.model_config.get("env_prefix", "")
    names = set()
    for name, field in settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {choice for choice in alias.choices if isinstance(choice, str)}
        elif isinstance(alias, str):
            names.add(alias)
        else:
            names.add(f"{prefix}{name}".upper())
    return names | nested_env_names(KafkaSettings) | nested_env_names(AuthSettings)


def nested_env_names(settings: type[BaseSettings]) -> set[str]:
    prefix = settings.model_config["env_prefix"]
    names = set()
    for name, field in settings.model_fields.items():
        alias = field.validation_alias
        names |= set(alias.choices) if isinstance(alias, AliasChoices) else {f"{prefix}{name}".upper()}
    return names


def signing_secrets(settings: type[BaseSettings]) -> set[str]:
    """The variables of a service's signing secrets: its fields of type SigningSecret, which have no default."""
    signing = SigningSecret.__metadata__
    return {
        field.validation_alias
        for field in settings.model_fields.values()
        if any(validator in signing for validator in field.metadata)
    }


def test_the_local_launcher_makes_every_signing_secret_a_service_requires():
    assert set(SIGNING_SECRET_VARIABLES) == set().union(*(signing_secrets(s) for s in SETTINGS.values()))
    assert signing_secrets(SETTINGS["scheduling"]) == {"FLIPSIDE_SCHEDULING_FEED_SECRET"}, "the check finds them"


@pytest.mark.parametrize("service", SETTINGS)
def test_compose_requires_each_signing_secret_and_has_no_default_for_any(service):
    environment = COMPOSE["services"][service]["environment"]
    for name in signing_secrets(SETTINGS[service]):
        assert re.fullmatch(rf"\$\{{{name}:\?set {name}\b[^}}]*\}}", environment.get(name, "")), (
            f"{service}: {name} must be ${{{name}:?...}}: compose refuses to start without it"
        )


DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def test_one_dockerfile_lint_clean_non_root_builds_the_service_it_is_given():
    hadolint = Path(sys.executable).parent / "hadolint"
    lint = subprocess.run([str(hadolint), str(DOCKERFILE)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert not list(ROOT.glob("services/*/Dockerfile")), "every image comes from deploy/Dockerfile"
    text = DOCKERFILE.read_text()
    assert text.count("FROM ") == 2, "multi-stage: build, then a runtime image without build tools"
    bases = re.findall(r"^FROM (\S+)", text, re.M)
    assert all(re.fullmatch(r"python:3\.11\.\d+-slim-bookworm@sha256:[0-9a-f]{64}", base) for base in bases), bases
    assert len(set(bases)) == 1, "build and runtime on the same pinned Python"
    assert 'uv sync --frozen --no-dev --no-editable --package "flipside-${SERVICE}"' in text
    assert 'if [ "$SERVICE" = operations ]; then uv sync --frozen --no-dev --no-editable;' in text, (
        "the CLI finds every service"
    )
    assert re.search(r"^USER 10001$", text, re.M)
    assert "FLIPSIDE_HTTP_PORT=${HTTP_PORT}" in text and "EXPOSE ${HTTP_PORT}" in text
    assert (
        "SERVICE_MODULE=flipside_${SERVICE}" in text
        and 'CMD ["sh", "-c", "exec python -m \\"$SERVICE_MODULE\\""]' in text
    )


@pytest.mark.parametrize("service", SETTINGS)
def test_compose_builds_each_service_with_variables_it_reads(service):
    definition = COMPOSE["services"][service]
    port = SETTINGS[service]().http_port
    assert definition["build"]["dockerfile"] == "deploy/Dockerfile"
    assert definition["build"]["args"] == {"SERVICE": service, "HTTP_PORT": str(port)}, (
        "the image listens where compose maps"
    )
    unknown = {name for name in definition["environment"] if name.startswith("FLIPSIDE_")} - env_names(
        SETTINGS[service]
    )
    assert not unknown, f"{service} does not read {unknown}"
    assert definition["ports"] == [f"{port}:{port}"]


def test_compose_runs_the_broker_version_the_tests_run():
    assert COMPOSE["services"]["kafka"]["image"] == f"apache/kafka:{KAFKA_VERSION}"


def test_compose_applies_the_topic_plan_before_any_service_starts():
    topics = COMPOSE["services"]["topics"]
    assert topics["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile", "args": {"SERVICE": "operations"}}
    plan_in_container = topics["volumes"][0].split(":")[1]
    assert topics["volumes"][0].startswith("./deploy/topics.toml:")
    assert topics["command"][:4] == ["python", "-m", "flipside_operations.topic_plan", "apply"]
    assert topics["command"][topics["command"].index("--file") + 1] == plan_in_container
    acls_in_container = topics["volumes"][1].split(":")[1]
    assert topics["volumes"][1].startswith("./deploy/acls.toml:")
    assert topics["command"][topics["command"].index("--acls") + 1] == acls_in_container
    for service in SETTINGS:
        assert COMPOSE["services"][service]["depends_on"]["topics"] == {"condition": "service_completed_successfully"}


def test_the_local_launcher_sets_only_variables_the_services_read(tmp_path):
    platform = Platform("127.0.0.1:9092", "postgresql://db/flipside", "flipside.", tmp_path, 2525)
    for name, process in platform.services.items():
        flipside_vars = {k for k, v in process.env.items() if k.startswith("FLIPSIDE_") and os.environ.get(k) != v}
        read_by_some_service = set().union(*(env_names(s) for s in SETTINGS.values()))
        assert flipside_vars <= read_by_some_service, f"{name}: {flipside_vars - read_by_some_service}"


OVERLAYS = ("development", "production")
ACLS = tomllib.loads((ROOT / "deploy" / "acls.toml").read_text())["principals"]


def rendered(overlay: str) -> list[dict]:
    """The overlay as kustomize builds it (kubectl's built-in kustomize, from the locked wheel)."""
    kubectl = Path(sys.executable).parent / "kubectl"
    built = subprocess.run(
        [str(kubectl), "kustomize", str(ROOT / "deploy" / "k8s" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=True,
    )
    return [doc for doc in yaml.safe_load_all(built.stdout) if doc]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kubernetes_overlays_render_and_validate_against_the_api_schemas(overlay):
    documents = rendered(overlay)
    for document in documents:
        kubernetes_validate.validate(document, desired_version=KUBERNETES_VERSION, strict=True)
    kinds = Counter(document["kind"] for document in documents)
    each = len(SETTINGS)  # one of each kind per registered service
    assert kinds == Counter(
        {
            "Deployment": each,
            "Service": each,
            "HorizontalPodAutoscaler": each,
            "PodDisruptionBudget": each,
            "ConfigMap": 1,
        }
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_deployment_probes_health_limits_resources_and_reads_known_settings(overlay):
    documents = rendered(overlay)
    config = next(d for d in documents if d["kind"] == "ConfigMap")
    read_by_all = set.intersection(*(env_names(s) for s in SETTINGS.values()))
    read_by_some = set().union(*(env_names(s) for s in SETTINGS.values()))
    assert set(config["data"]) <= read_by_some, set(config["data"]) - read_by_some
    assert {k for k in config["data"] if k.startswith("FLIPSIDE_KAFKA")} <= read_by_all
    for service, settings in SETTINGS.items():
        deployment = next(
            d for d in documents if d["kind"] == "Deployment" and d["metadata"]["name"] == f"flipside-{service}"
        )
        pod = deployment["spec"]["template"]["spec"]
        container = pod["containers"][0]
        port = settings().http_port
        assert container["ports"] == [
            {"name": "http", "containerPort": port},
            {"name": "metrics", "containerPort": 9090},
        ]
        assert (
            deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"]
            == config["data"]["FLIPSIDE_METRICS_PORT"]
        )
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]) and "memory" in container["resources"][
            "limits"
        ]
        assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["runAsUser"] == 10001
        assert {e["name"] for e in container["env"]} <= env_names(settings)
        assert [ref for source in container["envFrom"] for ref in source] == ["configMapRef", "secretRef"]
        from_secret = {
            e["name"]: e["valueFrom"]["secretKeyRef"]
            for e in container["env"]
            if "secretKeyRef" in e.get("valueFrom", {})
        }
        expected = {name: {"name": "flipside-secrets", "key": name} for name in signing_secrets(settings)}
        if overlay == "production":
            expected["FLIPSIDE_KAFKA_SASL_PASSWORD"] = {"name": "flipside-kafka-credentials", "key": service}
            username = next(e["value"] for e in container["env"] if e["name"] == "FLIPSIDE_KAFKA_SASL_USERNAME")
            assert f"User:{username}" == ACLS[service]["principal"], (
                f"{service} connects as the principal its ACLs name"
            )
        assert from_secret == expected, f"{service}: each secret a required key of its Secret (not optional), no other"


def test_the_topic_plan_takes_what_the_services_produce():
    limit = KafkaSettings().max_message_bytes
    for spec in read_plan(ROOT / "deploy" / "topics.toml", ""):
        expected = dead_letter_bytes(limit) if spec.name.endswith(".dead-letter") else limit
        assert int(spec.configs["max.message.bytes"]) == expected, spec.name
