"""The deployment files against the code: docker-compose.yml passes the settings the code
reads (infra.settings.Settings) and only those, starts things in a safe order, publishes
the right ports and ships or mounts files that exist; Temporal runs as its production
server image, its schema set up by Temporal's SQL tool and its namespace and our search
attributes registered by one-shots; the Dockerfile copies every module pyproject.toml
declares and .dockerignore excludes none of them.

Static checks only: no Docker engine, no servers.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from infra.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

# The services that run our image.
APP_SERVICES = ("migrate", "search-attributes", "worker", "api")
# The services that run once and exit; the others wait for their exit 0.
ONE_SHOTS = [
    "temporal-schema",
    "temporal-namespace",
    "evidence-bucket",
    "migrate",
    "search-attributes",
]
# Temporal's images, one version for the server and its admin tools.
TEMPORAL_SERVER_IMAGE = "temporalio/server"
TEMPORAL_ADMIN_IMAGE = "temporalio/admin-tools"

# Settings a deployment must set: their defaults point at localhost or into the source tree.
REQUIRED_SETTINGS = {
    "DATABASE_URL",
    "TEMPORAL_ADDRESS",
    "TEMPORAL_NAMESPACE",
    "TEMPORAL_TASK_QUEUE",
    "POLICY_FILE",
    # Production identity: the provider's JWTs, never the demo users file.
    "IDENTITY",
    "JWT_ISSUER",
    "JWT_AUDIENCE",
    "JWT_JWKS_URL",
}

CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


# --- helpers ---------------------------------------------------------------------------


def settings_env_names() -> set[str]:
    """The environment variable of every Settings field (pydantic-settings' rule)."""
    prefix = Settings.model_config.get("env_prefix", "")
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias if isinstance(field.validation_alias, str) else None
        names.add((alias or prefix + name).upper())
    return names


def looks_like_a_setting(variable: str) -> bool:
    """Shares its first word with a setting (DATABASE_, TEMPORAL_, LOG_, ...): a typo or a
    setting that no longer exists, rather than some unrelated tool's variable."""
    first_words = {name.split("_")[0] for name in settings_env_names()}
    return variable.split("_")[0] in first_words


def env(service: str) -> dict[str, str]:
    raw = SERVICES[service].get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) if "=" in item else (item, "") for item in raw)
    return {str(k): "" if v is None else str(v) for k, v in raw.items()}


_VAR = re.compile(r"\$\{(?P<name>\w+)(?::?[-?](?P<default>[^}]*))?\}")


def interpolate(value: str) -> str:
    """Compose's ${VAR:-default} with nothing set in the environment, and $$ -> $."""
    return _VAR.sub(lambda m: m.group("default") or "", value).replace("$$", "$")


def depends_on(service: str) -> dict[str, str]:
    raw = SERVICES[service].get("depends_on") or {}
    if isinstance(raw, list):
        return {name: "service_started" for name in raw}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in raw.items()}


def ports(service: str) -> set[tuple[int, int]]:
    """(published, target) pairs, short or long syntax."""
    pairs = set()
    for port in SERVICES[service].get("ports") or []:
        if isinstance(port, dict):
            pairs.add((int(port["published"]), int(port["target"])))
            continue
        parts = str(port).split("/")[0].split(":")
        if len(parts) >= 2:
            pairs.add((int(parts[-2]), int(parts[-1])))
    return pairs


def bind_mounts(service: str) -> list[tuple[str, str, bool]]:
    """(host source, container target, read_only) of the service's bind mounts."""
    mounts = []
    for volume in SERVICES[service].get("volumes") or []:
        if isinstance(volume, dict):
            if volume.get("type") == "bind":
                mounts.append((volume["source"], volume["target"], bool(volume.get("read_only"))))
            continue
        source, target, *options = volume.split(":")
        if source.startswith((".", "/")):
            mounts.append((source, target, "ro" in ",".join(options).split(",")))
    return mounts


def named_volumes(service: str) -> list[str]:
    names = []
    for volume in SERVICES[service].get("volumes") or []:
        if isinstance(volume, dict):
            if volume.get("type") == "volume":
                names.append(volume["source"])
        elif not volume.startswith((".", "/")) and ":" in volume:
            names.append(volume.split(":")[0])
    return names


def host_path(service: str, container_path: str) -> Path | None:
    """The file in the repository that a bind mount shows at container_path."""
    for source, target, _ in bind_mounts(service):
        target_path = PurePosixPath(target)
        inside = PurePosixPath(container_path)
        if inside == target_path or target_path in inside.parents:
            return ROOT / source / inside.relative_to(target_path)
    return None


def healthcheck_test(service: str) -> str:
    check = SERVICES[service].get("healthcheck") or {}
    test = check.get("test")
    if check.get("disable") or not test or test == ["NONE"]:
        return ""
    return " ".join(test) if isinstance(test, list) else str(test)


def is_one_shot(service: str) -> bool:
    return SERVICES[service].get("restart") == "no"


def command(service: str) -> list[str]:
    cmd = SERVICES[service].get("command") or []
    return cmd.split() if isinstance(cmd, str) else [str(part) for part in cmd]


def dockerfile_copies() -> list[str]:
    """Sources of the Dockerfile's COPY instructions from the build context."""
    sources = []
    for line in DOCKERFILE.splitlines():
        words = line.split()
        if not words or words[0].upper() != "COPY":
            continue
        args = words[1:]
        if any(arg.startswith("--from") for arg in args):
            continue
        args = [arg for arg in args if not arg.startswith("--")]
        sources.extend(args[:-1])
    return sources


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


# --- the application services and infra.settings ----------------------------------------


def test_our_image_runs_exactly_the_app_services() -> None:
    built = {name for name, service in SERVICES.items() if "build" in service}
    assert built == set(APP_SERVICES)


def test_required_settings_are_settings_fields() -> None:
    assert REQUIRED_SETTINGS <= settings_env_names()


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_service_gets_every_required_setting(service: str) -> None:
    missing = REQUIRED_SETTINGS - env(service).keys()
    assert not missing, f"{service} lacks {sorted(missing)}"
    empty = [name for name in REQUIRED_SETTINGS if not interpolate(env(service)[name])]
    assert not empty, f"{service} sets {empty} to an empty value"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_service_passes_only_real_settings(service: str) -> None:
    unknown = [
        name
        for name in env(service)
        if looks_like_a_setting(name) and name not in settings_env_names()
    ]
    assert not unknown, f"{service} passes {unknown}, which no Settings field reads"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_settings_parse(service: str) -> None:
    """The values, with compose's defaults filled in, are valid Settings values."""
    values = {name.lower(): interpolate(value) for name, value in env(service).items()}
    Settings(**{k: v for k, v in values.items() if k in Settings.model_fields})


def test_app_services_share_one_environment() -> None:
    base = env("migrate")
    for service in ("worker", "api"):
        shared = {k: v for k, v in env(service).items() if k in base}
        assert shared == base, f"{service} differs from migrate in the shared settings"


def test_api_host_and_port_agree_with_command_port_and_healthcheck() -> None:
    api_env = env("api")
    assert api_env.get("API_HOST") == "0.0.0.0"
    port = int(api_env["API_PORT"])
    cmd = command("api")
    assert cmd[:2] == ["uvicorn", "api.app:create_app"] and "--factory" in cmd
    assert int(cmd[cmd.index("--port") + 1]) == port
    assert cmd[cmd.index("--host") + 1] == api_env["API_HOST"]
    assert (8000, port) in ports("api")
    health = re.search(r"http://[^/:'\"]+:(\d+)/health\b", healthcheck_test("api"))
    assert health and int(health.group(1)) == port


def test_payload_encryption_keys_are_required_and_never_defaulted() -> None:
    """A key in this file would be a committed key: compose must stop without one."""
    for service in APP_SERVICES:
        assert re.fullmatch(r"\$\{CODEC_KEYS:\?[^}]*\}", env(service).get("CODEC_KEYS", ""))
    ui = env("temporal-ui")
    assert interpolate(ui["TEMPORAL_CODEC_ENDPOINT"]).endswith("/codec")
    assert ui["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] == "true"


def test_production_identity_is_the_providers_jwts_never_the_demo_users() -> None:
    """The demo tokens are public (config/users.yaml): a server verifies its provider's
    JWTs, and compose stops without the issuer and the keys."""
    for service in APP_SERVICES:
        settings = env(service)
        assert settings["IDENTITY"] == "jwt" and "USERS_FILE" not in settings
        for name in ("JWT_ISSUER", "JWT_JWKS_URL"):
            assert re.fullmatch(rf"\$\{{{name}:\?[^}}]*\}}", settings[name]), name


# --- health, order, ports ---------------------------------------------------------------


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_service_has_a_healthcheck_or_is_a_one_shot(service: str) -> None:
    assert healthcheck_test(service) or is_one_shot(service), f"{service}: no healthcheck"


def test_one_shots_are_the_setup_steps_and_nobody_waits_for_them_to_merely_start() -> None:
    assert [name for name in SERVICES if is_one_shot(name)] == ONE_SHOTS
    for one_shot in ONE_SHOTS:
        assert not healthcheck_test(one_shot), one_shot
        for name in SERVICES:
            condition = depends_on(name).get(one_shot)
            assert condition in (None, "service_completed_successfully"), (name, one_shot)


def test_start_up_order_has_no_cycle() -> None:
    """A cycle in depends_on would leave compose waiting forever (or refusing to start)."""
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"depends_on cycle: {' -> '.join((*path, name))}"
        if name in done:
            return
        for dependency in depends_on(name):
            visit(dependency, (*path, name))
        done.add(name)

    for name in SERVICES:
        visit(name, ())


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_depends_on_names_existing_services_with_sound_conditions(service: str) -> None:
    for dependency, condition in depends_on(service).items():
        assert dependency in SERVICES, f"{service} depends on unknown {dependency}"
        assert condition in CONDITIONS, f"{service} -> {dependency}: {condition}"
        if condition == "service_healthy":
            assert healthcheck_test(dependency), f"{dependency} has no healthcheck to wait for"
        if condition == "service_completed_successfully":
            assert is_one_shot(dependency), f"{dependency} is not a one-shot"


@pytest.mark.parametrize("service", ["worker", "api"])
def test_worker_and_api_wait_for_migrations_search_attributes_and_temporal(service: str) -> None:
    deps = depends_on(service)
    assert deps.get("migrate") == "service_completed_successfully"
    assert deps.get("search-attributes") == "service_completed_successfully"
    assert deps.get("temporal") == "service_healthy"
    assert deps.get("app-db") == "service_healthy"


def test_migrate_waits_for_a_healthy_app_db_and_temporal_for_its_schema() -> None:
    assert depends_on("migrate").get("app-db") == "service_healthy"
    assert depends_on("temporal-schema").get("temporal-db") == "service_healthy"
    assert depends_on("temporal").get("temporal-db") == "service_healthy"
    assert depends_on("temporal").get("temporal-schema") == "service_completed_successfully"
    assert depends_on("temporal-namespace").get("temporal") == "service_healthy"
    assert depends_on("search-attributes").get("temporal-namespace") == (
        "service_completed_successfully"
    )
    assert depends_on("temporal-ui").get("temporal") == "service_healthy"


def test_api_and_ui_ports_are_published() -> None:
    assert (8000, 8000) in ports("api")
    assert (8233, 8080) in ports("temporal-ui")


# --- Temporal and databases agree with the application ----------------------------------


def test_temporal_settings_agree_with_the_temporal_services() -> None:
    app = env("api")
    host, _, port = app["TEMPORAL_ADDRESS"].partition(":")
    assert host in SERVICES and port == "7233"
    assert env("temporal-ui")["TEMPORAL_ADDRESS"] == app["TEMPORAL_ADDRESS"]
    # temporal-namespace registers the namespace the worker polls and the API starts in.
    namespace = env("temporal-namespace")
    assert namespace["TEMPORAL_ADDRESS"] == app["TEMPORAL_ADDRESS"]
    assert namespace["TEMPORAL_NAMESPACE"] == app["TEMPORAL_NAMESPACE"]
    assert interpolate(namespace["TEMPORAL_RETENTION"])
    assert env(host)["POSTGRES_SEEDS"] in SERVICES


def image_name_and_tag(service: str) -> tuple[str, str]:
    name, _, tag = SERVICES[service]["image"].rpartition(":")
    return name, tag


def script_of(service: str) -> Path:
    """The repository file a one-shot's `entrypoint: [/bin/sh, <path>]` runs."""
    entrypoint = SERVICES[service]["entrypoint"]
    assert entrypoint[0] == "/bin/sh" and len(entrypoint) == 2, f"{service}: {entrypoint}"
    path = host_path(service, entrypoint[1])
    assert path is not None, f"{service} runs {entrypoint[1]}, which is in no mount"
    assert path.is_file(), f"{service} runs {path.relative_to(ROOT)}, which is missing"
    return path


def shell_commands(path: Path) -> str:
    """The script without its comments, so a step that is only mentioned does not count."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(line.split("#", 1)[0] for line in lines)


def test_no_service_runs_the_development_only_auto_setup_image() -> None:
    images = {name: SERVICES[name].get("image", "") for name in SERVICES}
    assert not [name for name, image in images.items() if "auto-setup" in image]
    assert image_name_and_tag("temporal")[0] == TEMPORAL_SERVER_IMAGE


def test_temporal_admin_tools_are_the_servers_version() -> None:
    """Schema and server move together: the admin tools' schemas are the server's."""
    _, server_version = image_name_and_tag("temporal")
    for service in ("temporal-schema", "temporal-namespace"):
        name, tag = image_name_and_tag(service)
        assert name == TEMPORAL_ADMIN_IMAGE, service
        assert tag == server_version or tag.startswith(f"{server_version}-"), (service, tag)


def test_temporal_schema_sets_up_both_databases_with_temporals_sql_tool() -> None:
    script = shell_commands(script_of("temporal-schema"))
    assert "set -eu" in script  # a failed step fails the one-shot, and nothing starts
    for step in ("create-database", "setup-schema --version 0.0", "update-schema --schema-dir"):
        assert re.search(rf"temporal-sql-tool .*{step}", script), step
    schema_root = re.search(r"SCHEMA_ROOT=\$\{SCHEMA_ROOT:-(\S+)\}", script)
    assert schema_root and schema_root.group(1) == "/etc/temporal/schema/postgresql/v12"
    assert 'setup "$DBNAME" temporal' in script
    assert 'setup "$VISIBILITY_DBNAME" visibility' in script


def test_temporal_schema_and_server_use_the_same_database_and_credentials() -> None:
    schema, server, db = env("temporal-schema"), env("temporal"), env("temporal-db")
    assert schema["SQL_PLUGIN"] == server["DB"] == "postgres12"
    assert schema["SQL_HOST"] == server["POSTGRES_SEEDS"] == "temporal-db"
    assert schema["SQL_PORT"] == server["DB_PORT"] == "5432"
    assert schema["SQL_USER"] == server["POSTGRES_USER"] == db["POSTGRES_USER"]
    # The same expression everywhere, so one TEMPORAL_DB_PASSWORD changes all three.
    assert schema["SQL_PASSWORD"] == server["POSTGRES_PWD"] == db["POSTGRES_PASSWORD"]
    for name in ("DBNAME", "VISIBILITY_DBNAME"):
        assert schema[name] == server[name], name
    assert {server["DBNAME"], server["VISIBILITY_DBNAME"]} == {"temporal", "temporal_visibility"}


def test_temporal_history_shards_are_set_explicitly() -> None:
    """Fixed when the cluster is created: the value must be a choice, not an image default."""
    shards = int(interpolate(env("temporal")["NUM_HISTORY_SHARDS"]))
    assert shards >= 1 and shards & (shards - 1) == 0, "a power of two"


def test_temporal_healthcheck_does_not_wait_for_the_namespace() -> None:
    """The namespace is registered after the server is healthy: waiting for it would be a
    cycle. Healthy = the frontend reports SERVING."""
    test = healthcheck_test("temporal")
    assert "cluster health" in test and "SERVING" in test
    assert "namespace" not in test


def test_temporal_namespace_creates_only_a_missing_namespace_and_waits_until_usable() -> None:
    script = shell_commands(script_of("temporal-namespace"))
    assert "set -eu" in script
    describe = script.index("temporal operator namespace describe")
    create = script.index("temporal operator namespace create")
    assert describe < create and '--retention "$TEMPORAL_RETENTION"' in script
    assert script.index("temporal operator search-attribute list") > create


def test_search_attributes_one_shot_runs_the_registration_module() -> None:
    cmd = command("search-attributes")
    assert cmd[:2] == ["python", "-m"]
    module = ROOT / (cmd[2].replace(".", "/") + ".py")
    assert module.is_file()
    source = module.read_text(encoding="utf-8")
    assert "async def ensure_search_attributes(" in source and '__name__ == "__main__"' in source


def test_database_url_points_at_app_db_with_its_credentials() -> None:
    raw = env("api")["DATABASE_URL"]
    url = urlsplit(interpolate(raw))
    assert url.scheme in ("postgresql", "postgres")
    assert url.hostname == "app-db" and url.port == 5432
    db = env("app-db")
    assert url.username == db["POSTGRES_USER"]
    assert url.path.lstrip("/") == db["POSTGRES_DB"]
    # The same expression on both sides, so one APP_DB_PASSWORD changes both.
    assert f":{db['POSTGRES_PASSWORD']}@" in raw


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_images_are_pinned(service: str) -> None:
    image = SERVICES[service].get("image")
    if "build" in SERVICES[service]:
        return  # our own image, tagged by APP_VERSION
    assert image, f"{service}: no image"
    name, _, tag = image.rpartition(":")
    assert name and tag and tag != "latest" and "/" not in tag, f"{service}: {image} is not pinned"


# --- files the deployment references ----------------------------------------------------


def test_build_context_and_dockerfile_exist() -> None:
    for service in APP_SERVICES:
        build = SERVICES[service]["build"]
        context = ROOT / (build if isinstance(build, str) else build.get("context", "."))
        dockerfile = (
            "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        )
        assert context.resolve() == ROOT
        assert (context / dockerfile).is_file()


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_bind_mount_sources_exist_and_named_volumes_are_declared(service: str) -> None:
    for source, _, _ in bind_mounts(service):
        assert (ROOT / source).exists(), f"{service} mounts missing {source}"
    for name in named_volumes(service):
        assert name in (COMPOSE.get("volumes") or {}), f"{service}: volume {name} undeclared"


@pytest.mark.parametrize("service", APP_SERVICES)
@pytest.mark.parametrize("setting", ["POLICY_FILE"])
def test_the_policy_file_comes_from_a_read_only_mount(service: str, setting: str) -> None:
    container_path = env(service)[setting]
    path = host_path(service, container_path)
    assert path is not None, f"{service}: {setting}={container_path} is not in a mount"
    assert path.is_file(), f"{service}: {setting} shows {path.relative_to(ROOT)}, which is missing"
    read_only = {target: ro for _, target, ro in bind_mounts(service)}
    assert all(read_only.values()), f"{service}: mount the configuration read-only"


def test_temporal_dynamic_config_is_mounted() -> None:
    path_in_container = PurePosixPath("/etc/temporal") / env("temporal")["DYNAMIC_CONFIG_FILE_PATH"]
    path = host_path("temporal", str(path_in_container))
    assert path is not None and path.is_file()
    assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict)


def test_commands_run_code_that_exists() -> None:
    assert command("migrate")[:2] == ["python", "-m"]
    module = command("migrate")[2].replace(".", "/")
    assert (ROOT / f"{module}.py").is_file() or (ROOT / module / "__main__.py").is_file()
    assert command("worker")[0] == "python"
    assert (ROOT / command("worker")[1]).is_file()
    module, _, factory = command("api")[1].partition(":")
    app_file = ROOT / (module.replace(".", "/") + ".py")
    assert app_file.is_file()
    assert re.search(rf"^def {factory}\(", app_file.read_text(encoding="utf-8"), re.M)


def test_worker_healthcheck_script_is_in_the_image() -> None:
    test = SERVICES["worker"]["healthcheck"]["test"]
    assert test[:2] == ["CMD", "python"]
    script = test[2]
    assert (ROOT / script).is_file()
    assert script in dockerfile_copies()


# --- Dockerfile and .dockerignore -------------------------------------------------------


def test_dockerfile_copies_exist() -> None:
    for source in dockerfile_copies():
        assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"


def test_dockerfile_copies_every_module_of_pyproject_and_the_runtime_files() -> None:
    setuptools = PYPROJECT["tool"]["setuptools"]
    copied = {source.rstrip("/") for source in dockerfile_copies()}
    wanted = set(setuptools["packages"]) | {f"{m}.py" for m in setuptools["py-modules"]}
    wanted |= {"pyproject.toml", "migrations", "policy", "config"}
    assert wanted <= copied, f"not copied: {sorted(wanted - copied)}"


def test_dockerfile_dependency_stand_ins_match_pyproject() -> None:
    """The dependency layer installs the project over empty stand-in packages."""
    stand_ins = re.search(r"for pkg in ([^;]+);", DOCKERFILE)
    assert stand_ins
    assert stand_ins.group(1).split() == PYPROJECT["tool"]["setuptools"]["packages"]
    assert PYPROJECT["tool"]["setuptools"]["py-modules"] == ["worker"]
    assert "touch worker.py" in DOCKERFILE


def test_dockerfile_runs_unprivileged_on_python_311() -> None:
    assert re.search(r"^FROM python:3\.11[.\-]", DOCKERFILE, re.M)
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, re.M)
    assert users and users[-1] not in ("root", "0")


def test_dockerignore_excludes_nothing_the_dockerfile_copies() -> None:
    patterns = [p.removeprefix("**/").rstrip("/") for p in dockerignore_patterns()]
    assert not any(p.startswith("!") for p in patterns), "teach this test about exceptions"
    for source in dockerfile_copies():
        parts = PurePosixPath(source.rstrip("/")).parts
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        hits = [p for p in patterns for prefix in prefixes if fnmatch.fnmatch(prefix, p)]
        assert not hits, f".dockerignore {hits} excludes {source}"


def test_dockerignore_keeps_local_state_out() -> None:
    patterns = set(dockerignore_patterns())
    assert {".venv", ".data", ".git", "**/__pycache__", ".pytest_cache"} <= patterns


# --- documentation ----------------------------------------------------------------------


def test_deployment_doc_lists_every_search_attribute_the_code_registers() -> None:
    """auto-setup registers none of our search attributes; docs/deployment.md says how, and
    must name each one the embedded stack registers (devstack.run.SEARCH_ATTRIBUTES)."""
    from devstack.run import SEARCH_ATTRIBUTES

    doc = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    missing = [name for name in SEARCH_ATTRIBUTES if f"`{name}`" not in doc]
    assert not missing, f"docs/deployment.md does not list search attributes {missing}"
