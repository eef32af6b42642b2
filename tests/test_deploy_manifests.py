"""The Kubernetes manifests (deploy/k8s) and the values for Temporal's Helm chart
(deploy/helm/temporal-values.yaml), statically: every object is valid against the
Kubernetes API schemas (kubernetes-validate, strict: unknown fields are errors), the
objects fit each other (selectors, ports, mounts, the Secret and ConfigMap they name), our
containers get the settings the code reads (infra.settings.Settings) and run the commands
docker-compose.yml runs, the worker's memory covers docs/sizing.md's figures, and the
application points at the namespace and frontend the Helm values create.

No cluster, no helm binary: the chart itself is not rendered here.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import latest_version
from temporalio.worker import Worker

from infra.settings import Settings
from tests import test_compose as compose

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
HELM_VALUES_FILE = ROOT / "deploy" / "helm" / "temporal-values.yaml"
SIZING = ROOT / "docs" / "sizing.md"

KUSTOMIZATION: dict[str, Any] = yaml.safe_load((K8S / "kustomization.yaml").read_text("utf-8"))
HELM: dict[str, Any] = yaml.safe_load(HELM_VALUES_FILE.read_text(encoding="utf-8"))

# The oldest Kubernetes the manifests promise to fit, and the newest the validator knows.
KUBERNETES_VERSIONS = ("1.30.0", latest_version())
OUR_IMAGE = "complaint-desk"
# Made by the operator, never committed (deploy/k8s/kustomization.yaml says how).
SECRET = "complaint-desk-secrets"
POLICY_CONFIGMAP = "complaint-desk-policy"
SECRET_SETTINGS = {"DATABASE_URL": "database-url", "CODEC_KEYS": "codec-keys"}
# deploy/k8s/settings.yaml points at the chart's frontend Service of this release.
HELM_RELEASE, HELM_NAMESPACE = "temporal", "temporal"


def load_objects() -> list[tuple[str, dict[str, Any]]]:
    objects = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document:
                objects.append((path.name, document))
    return objects


OBJECTS = load_objects()


def the(kind: str, name: str) -> dict[str, Any]:
    found = [o for _, o in OBJECTS if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [o for _, o in OBJECTS if o["kind"] == kind]


API = the("Deployment", "complaint-desk-api")
WORKER = the("Deployment", "complaint-desk-worker")
SETTINGS_CONFIGMAP = the("ConfigMap", "complaint-desk-settings")


def pod(deployment: dict[str, Any]) -> dict[str, Any]:
    return deployment["spec"]["template"]["spec"]


def containers(deployment: dict[str, Any], *, init: bool = True) -> list[dict[str, Any]]:
    spec = pod(deployment)
    return (spec.get("initContainers", []) if init else []) + spec["containers"]


def container(deployment: dict[str, Any], name: str) -> dict[str, Any]:
    found = [c for c in containers(deployment) if c["name"] == name]
    assert len(found) == 1, name
    return found[0]


def environment(c: dict[str, Any]) -> dict[str, str]:
    """The container's settings: envFrom ConfigMaps expanded, Secret refs as `secret:key`."""
    values: dict[str, str] = {}
    for source in c.get("envFrom", []):
        values.update(the("ConfigMap", source["configMapRef"]["name"])["data"])
    for item in c.get("env", []):
        if "value" in item:
            values[item["name"]] = str(item["value"])
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            values[item["name"]] = f"secret:{ref['name']}:{ref['key']}"
    return values


def memory_mib(quantity: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(Mi|Gi)", quantity)
    assert match, f"write memory in Mi or Gi: {quantity}"
    return float(match.group(1)) * (1024 if match.group(2) == "Gi" else 1)


def sizing_figures() -> dict[str, float]:
    text = SIZING.read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(worker_rss_base_mib:.*?)```", text, re.S)
    assert block, "docs/sizing.md has no figures block"
    return yaml.safe_load(block.group(1))


# --- the objects are valid Kubernetes ---------------------------------------------------


def test_kustomization_lists_every_manifest_and_nothing_else() -> None:
    listed = set(KUSTOMIZATION["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize(
    "source, obj", OBJECTS, ids=[f"{f}:{o['kind']}/{o['metadata']['name']}" for f, o in OBJECTS]
)
def test_manifest_is_valid_against_the_kubernetes_schema(
    source: str, obj: dict[str, Any], version: str
) -> None:
    try:
        kubernetes_validate.validate(obj, version, strict=True)
    except kubernetes_validate.ValidationError as err:
        where = "/".join(str(part) for part in err.path)
        name = f"{obj['kind']}/{obj['metadata']['name']}"
        pytest.fail(f"{source}: {name}: {where}: {err.message}", pytrace=False)


def test_the_validator_catches_a_wrong_field() -> None:
    """The strict schema check above can fail: a misspelt probe field is refused."""
    broken = yaml.safe_load(yaml.safe_dump(API))
    probe = broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    probe["httpGett"] = probe.pop("httpGet")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)


def test_no_secret_is_committed() -> None:
    assert not of_kind("Secret")
    for _, obj in OBJECTS:
        text = yaml.safe_dump(obj)
        assert "CODEC_KEYS" not in text or "secretKeyRef" in text
    for deployment in (API, WORKER):
        for c in containers(deployment):
            for name, key in SECRET_SETTINGS.items():
                assert environment(c)[name] == f"secret:{SECRET}:{key}", (c["name"], name)


# --- the objects fit each other ----------------------------------------------------------


@pytest.mark.parametrize("deployment", [API, WORKER], ids=["api", "worker"])
def test_deployment_selector_matches_its_pods_and_keeps_two(deployment: dict[str, Any]) -> None:
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= labels.items()
    assert deployment["spec"]["replicas"] >= 2
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_every_pod_disruption_budget_covers_a_deployment_and_leaves_room() -> None:
    budgets = of_kind("PodDisruptionBudget")
    covered = set()
    for budget in budgets:
        selector = budget["spec"]["selector"]["matchLabels"]
        matches = [
            d
            for d in (API, WORKER)
            if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(matches) == 1, budget["metadata"]["name"]
        deployment = matches[0]
        # minAvailable = replicas would block every node drain.
        assert budget["spec"]["minAvailable"] < deployment["spec"]["replicas"]
        covered.add(deployment["metadata"]["name"])
    assert covered == {API["metadata"]["name"], WORKER["metadata"]["name"]}


def test_api_service_selects_the_api_pods_on_its_http_port() -> None:
    service = the("Service", "complaint-desk-api")
    labels = API["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert (
        not service["spec"]["selector"].items()
        <= WORKER["spec"]["template"]["metadata"]["labels"].items()
    )
    port_names = {p["name"] for p in container(API, "api")["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names


@pytest.mark.parametrize("deployment", [API, WORKER], ids=["api", "worker"])
def test_mounts_name_volumes_of_the_pod_and_the_policy_is_the_operators_configmap(
    deployment: dict[str, Any],
) -> None:
    volumes = {v["name"]: v for v in pod(deployment)["volumes"]}
    assert volumes["policy"]["configMap"]["name"] == POLICY_CONFIGMAP
    policy_dir = str(
        Path(
            environment(deployment["spec"]["template"]["spec"]["containers"][0])["POLICY_FILE"]
        ).parent
    )
    for c in containers(deployment):
        mounts = {m["name"]: m for m in c.get("volumeMounts", [])}
        assert set(mounts) <= set(volumes), c["name"]
        assert mounts["policy"]["mountPath"] == policy_dir and mounts["policy"]["readOnly"]


# --- our containers and the code ---------------------------------------------------------


@pytest.mark.parametrize("deployment", [API, WORKER], ids=["api", "worker"])
def test_our_containers_get_every_required_setting_and_only_real_ones(
    deployment: dict[str, Any],
) -> None:
    for c in containers(deployment):
        assert c["image"] == OUR_IMAGE, c["name"]
        settings = environment(c)
        missing = compose.REQUIRED_SETTINGS - settings.keys()
        assert not missing, f"{c['name']} lacks {sorted(missing)}"
        unknown = [
            name
            for name in settings
            if compose.looks_like_a_setting(name) and name not in compose.settings_env_names()
        ]
        assert not unknown, f"{c['name']} passes {unknown}, which no Settings field reads"
        values = {k.lower(): v for k, v in settings.items() if not v.startswith("secret:")}
        values["codec_keys"] = "2026-01:" + "A" * 43 + "="
        Settings(**{k: v for k, v in values.items() if k in Settings.model_fields})


def test_all_our_containers_share_one_environment() -> None:
    """As compose's x-app-env: migrations, registration, worker and API read the same."""
    base = environment(container(API, "migrate"))
    for deployment in (API, WORKER):
        for c in containers(deployment):
            shared = {k: v for k, v in environment(c).items() if k in base}
            assert shared == base, c["name"]


def test_production_identity_is_the_providers_jwts() -> None:
    data = SETTINGS_CONFIGMAP["data"]
    assert data["IDENTITY"] == "jwt" and "USERS_FILE" not in data
    assert data["JWT_ISSUER"] and data["JWT_JWKS_URL"] and data["JWT_AUDIENCE"]


@pytest.mark.parametrize(
    "deployment, name, service",
    [
        (API, "migrate", "migrate"),
        (API, "api", "api"),
        (WORKER, "migrate", "migrate"),
        (WORKER, "search-attributes", "search-attributes"),
        (WORKER, "worker", "worker"),
    ],
    ids=["api/migrate", "api/api", "worker/migrate", "worker/search-attributes", "worker/worker"],
)
def test_containers_run_what_compose_runs(
    deployment: dict[str, Any], name: str, service: str
) -> None:
    assert container(deployment, name)["command"] == compose.command(service)


def test_worker_runs_migrations_then_registers_search_attributes_before_it_starts() -> None:
    assert [c["name"] for c in pod(WORKER)["initContainers"]] == ["migrate", "search-attributes"]
    assert [c["name"] for c in pod(API)["initContainers"]] == ["migrate"]


def test_pods_run_as_the_images_unprivileged_user() -> None:
    uid = re.search(r"useradd .*--uid (\d+)", compose.DOCKERFILE)
    assert uid
    for deployment in (API, WORKER):
        security = pod(deployment)["securityContext"]
        assert security["runAsNonRoot"] and security["runAsUser"] == int(uid.group(1))
        for c in containers(deployment):
            assert c["securityContext"]["allowPrivilegeEscalation"] is False, c["name"]


# --- probes -------------------------------------------------------------------------------


def test_api_probes_ask_health_and_liveness_is_the_more_patient() -> None:
    api = container(API, "api")
    port_names = {p["name"] for p in api["ports"]}
    readiness, liveness = api["readinessProbe"], api["livenessProbe"]
    for probe in (readiness, liveness):
        assert probe["httpGet"]["path"] == "/health"
        assert probe["httpGet"]["port"] in port_names
    # An outage of the database or Temporal takes replicas out of the Service long before
    # it restarts them.
    patience = liveness["periodSeconds"] * liveness["failureThreshold"]
    assert patience >= 4 * readiness["periodSeconds"] * readiness["failureThreshold"]
    assert "--port" in api["command"]
    port = int(api["command"][api["command"].index("--port") + 1])
    assert port == next(p["containerPort"] for p in api["ports"] if p["name"] == "http")
    assert environment(api)["API_PORT"] == str(port)


def test_worker_probe_runs_the_healthcheck_script_of_the_image() -> None:
    worker = container(WORKER, "worker")
    command = worker["livenessProbe"]["exec"]["command"]
    assert command[0] == "python"
    assert (ROOT / command[1]).is_file()
    assert command[1] in compose.dockerfile_copies()
    probe = worker["livenessProbe"]
    # Temporal keeps reporting a poller for minutes: give it longer than that.
    assert probe["periodSeconds"] * probe["failureThreshold"] >= 180
    assert probe["timeoutSeconds"] >= 8  # the script's own timeout
    # worker.py shuts down gracefully on SIGTERM: give it the time.
    assert pod(WORKER)["terminationGracePeriodSeconds"] >= 30


def test_worker_metrics_port_is_the_one_the_pod_declares() -> None:
    worker = container(WORKER, "worker")
    settings = environment(worker)
    assert settings["WORKER_METRICS_HOST"] == "0.0.0.0"
    port = int(settings["WORKER_METRICS_PORT"])
    assert port in {p["containerPort"] for p in worker["ports"]}
    annotations = WORKER["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(port)


# --- resources and docs/sizing.md --------------------------------------------------------


@pytest.mark.parametrize("deployment", [API, WORKER], ids=["api", "worker"])
def test_every_container_requests_cpu_and_memory_and_limits_memory(
    deployment: dict[str, Any],
) -> None:
    for c in containers(deployment):
        resources = c["resources"]
        assert {"cpu", "memory"} <= resources["requests"].keys(), c["name"]
        request = memory_mib(resources["requests"]["memory"])
        assert memory_mib(resources["limits"]["memory"]) >= request, c["name"]


def test_worker_memory_covers_a_full_workflow_cache_of_the_measured_size() -> None:
    figures = sizing_figures()
    # worker.py leaves the cache at the SDK default, which is what docs/sizing.md assumes.
    worker_py = (ROOT / "worker.py").read_text(encoding="utf-8")
    cache = inspect.signature(Worker.__init__).parameters["max_cached_workflows"].default
    if "max_cached_workflows" not in worker_py:
        assert figures["max_cached_workflows"] == cache
    full_cache = (
        figures["worker_rss_base_mib"]
        + figures["worker_rss_mib_per_1000_parked"] * figures["max_cached_workflows"] / 1000
    )
    request = memory_mib(container(WORKER, "worker")["resources"]["requests"]["memory"])
    assert request >= full_cache, f"worker requests {request} MiB, a full cache is {full_cache}"


def test_sizing_names_every_figure_and_the_method() -> None:
    text = SIZING.read_text(encoding="utf-8")
    assert 'make bench BENCH_ARGS="--parked 10000"' in text
    for heading in (
        "## Cases per worker",
        "## Workers per task queue",
        "## History shards",
        "## PostgreSQL connections",
    ):
        assert heading in text, heading
    assert str(HELM["server"]["config"]["persistence"]["numHistoryShards"]) in text


# --- the Helm values for Temporal's chart ------------------------------------------------


def datastores() -> dict[str, dict[str, Any]]:
    return HELM["server"]["config"]["persistence"]["datastores"]


def test_helm_history_shards_are_a_chosen_power_of_two() -> None:
    shards = HELM["server"]["config"]["persistence"]["numHistoryShards"]
    assert isinstance(shards, int) and shards >= 64 and shards & (shards - 1) == 0


def test_helm_persistence_is_external_postgresql_with_schemas_by_temporals_tool() -> None:
    persistence = HELM["server"]["config"]["persistence"]
    assert persistence["defaultStore"] == "default"
    assert persistence["visibilityStore"] == "visibility"
    names = {}
    for store, config in datastores().items():
        sql = config["sql"]
        assert sql["pluginName"] == "postgres12", store
        assert sql["manageSchema"] is True and sql["createDatabase"] is True, store
        # The password comes from a Secret the operator made, never from this file.
        assert "password" not in sql and sql["existingSecret"], store
        assert re.fullmatch(r"[\w.-]+:\d+", sql["connectAddr"]), store
        assert sql["maxConns"] >= 1, store
        names[store] = sql["databaseName"]
    assert names == {"default": "temporal", "visibility": "temporal_visibility"}


def test_helm_images_are_pinned_and_admin_tools_are_the_servers_version() -> None:
    server = HELM["server"]["image"]
    assert server["repository"] == compose.TEMPORAL_SERVER_IMAGE
    assert re.fullmatch(r"\d+\.\d+\.\d+", str(server["tag"]))
    admin = HELM["admintools"]["image"]
    assert admin["repository"] == compose.TEMPORAL_ADMIN_IMAGE
    assert str(admin["tag"]) == str(server["tag"])
    assert re.fullmatch(r"\d+\.\d+\.\d+", str(HELM["web"]["image"]["tag"]))


@pytest.mark.parametrize("service", ["frontend", "history", "matching", "worker"])
def test_helm_services_are_replicated_sized_and_budgeted(service: str) -> None:
    values = HELM["server"][service]
    assert values["replicaCount"] >= 2
    assert {"cpu", "memory"} <= values["resources"]["requests"].keys()
    assert values["podDisruptionBudget"]["minAvailable"] < values["replicaCount"]


def test_helm_creates_the_namespace_the_application_uses() -> None:
    namespaces = HELM["server"]["config"]["namespaces"]
    assert namespaces["create"] is True
    names = [n["name"] for n in namespaces["namespace"]]
    assert SETTINGS_CONFIGMAP["data"]["TEMPORAL_NAMESPACE"] in names
    assert all(n.get("retention") for n in namespaces["namespace"])


def test_application_points_at_the_charts_frontend_service() -> None:
    host, _, port = SETTINGS_CONFIGMAP["data"]["TEMPORAL_ADDRESS"].partition(":")
    assert host.split(".")[:2] == [f"{HELM_RELEASE}-frontend", HELM_NAMESPACE]
    assert int(port) == HELM["server"].get("frontend", {}).get("service", {}).get("port", 7233)
    assert f"helm install {HELM_RELEASE} temporal" in HELM_VALUES_FILE.read_text("utf-8")
    assert f"--namespace {HELM_NAMESPACE}" in HELM_VALUES_FILE.read_text("utf-8")


def test_helm_partitions_are_set_for_the_applications_task_queue() -> None:
    queue = SETTINGS_CONFIGMAP["data"]["TEMPORAL_TASK_QUEUE"]
    dynamic = HELM["server"]["dynamicConfig"]
    for key in ("matching.numTaskqueueReadPartitions", "matching.numTaskqueueWritePartitions"):
        assert [v["constraints"].get("taskQueueName") for v in dynamic[key]] == [queue], key
    reads = dynamic["matching.numTaskqueueReadPartitions"][0]["value"]
    assert reads == dynamic["matching.numTaskqueueWritePartitions"][0]["value"]
    assert dynamic["limit.maxIDLength"][0]["value"] == 255  # as compose's dynamic config


def test_helm_ui_calls_the_apis_codec_server_with_credentials() -> None:
    env = {item["name"]: item["value"] for item in HELM["web"]["additionalEnv"]}
    assert env["TEMPORAL_CODEC_ENDPOINT"].endswith("/codec")
    assert env["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] == "true"
    assert env["TEMPORAL_DEFAULT_NAMESPACE"] == SETTINGS_CONFIGMAP["data"]["TEMPORAL_NAMESPACE"]
