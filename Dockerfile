# Complaint Desk application image: one image for the API, the Temporal worker and the
# migration runner; docker-compose.yml picks the command. Python 3.11, as pyproject.toml
# requires (>=3.11,<3.12). Pin a digest (python:3.11-slim@sha256:...) for reproducible builds.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONPATH=/app

WORKDIR /app

# 1. Runtime dependencies from pyproject.toml (no test extra), in a layer of their own that
#    is rebuilt only when pyproject.toml changes. pip installs projects, not bare dependency
#    lists, so install the project over empty stand-ins of its modules ([tool.setuptools]
#    packages and py-modules) and uninstall it again; the dependencies stay.
COPY pyproject.toml ./
RUN for pkg in domain workflows activities api infra devstack bench; do \
        mkdir "$pkg" && touch "$pkg/__init__.py"; \
    done \
 && touch worker.py \
 && pip install . \
 && pip uninstall --yes complaint-desk \
 && rm -rf domain workflows activities api infra devstack bench worker.py build ./*.egg-info

# 2. The application, run from /app (PYTHONPATH) rather than installed into site-packages:
#    infra.settings and the tools find policy/, config/ and migrations/ next to the code.
#    Deployments normally mount their own policy file (POLICY_FILE); the copies here are
#    the defaults. The demo users of config/ serve IDENTITY=demo only; compose uses JWTs.
COPY domain/ domain/
COPY workflows/ workflows/
COPY activities/ activities/
COPY api/ api/
COPY infra/ infra/
COPY devstack/ devstack/
# The benchmark is a package of the project (python -m bench); its results stay out.
COPY bench/ bench/
COPY worker.py ./
COPY migrations/ migrations/
COPY policy/ policy/
COPY config/ config/
COPY deploy/worker_healthcheck.py deploy/

# Files stay root-owned (read-only to the app); the processes run unprivileged.
RUN useradd --create-home --uid 10001 --user-group complaints
USER complaints

EXPOSE 8000
CMD ["uvicorn", "api.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000"]
