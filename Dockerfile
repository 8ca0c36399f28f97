# syntax=docker/dockerfile:1
# sentinel's container image:
#   docker build -t sentinel:0.1.0 .
#   buildah bud --build-arg BASE_IMAGE=localhost/sentinel-base:bookworm-python3 -t sentinel .
#
# BASE_IMAGE is any Debian bookworm image with python3 (>= 3.11) and its venv module: the
# official Python image by default; scripts/image-base.sh makes one with debootstrap where no
# registry image can be pulled (CI builds and starts the image that way: scripts/image-build.sh).
# For reproducible builds pin the base by digest as well, e.g.
#   --build-arg BASE_IMAGE=python:3.11.14-slim-bookworm@sha256:<digest>
# and let a bot such as Renovate or Dependabot bump it.
#
# Two stages: the builder installs sentinel and its dependencies, at the versions of
# constraints.txt (the tested set), into a virtual environment and trims it; the runtime
# stage copies that venv only. The runtime runs as uid 10001 and writes nothing outside
# /tmp, so it works with readOnlyRootFilesystem and an emptyDir on /tmp (as the Helm chart
# sets it up).
#
# Behind a TLS-intercepting proxy, give pip the proxy's CA bundle as a build secret (it
# stays out of every layer):
#   --secret id=pip-ca,src=/etc/ssl/certs/ca-certificates.crt
ARG BASE_IMAGE=python:3.11.14-slim-bookworm

FROM ${BASE_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
# strip (binutils), to drop the debug symbols compiled extensions ship with (~130 MB); a C
# compiler and Python's headers (a Debian python3 base has none; the official image does),
# to build sentinel's compiled core. Builder stage only; the versions are whatever the
# base's Debian release carries.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends binutils gcc libc6-dev \
    && include="$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])')" \
    && if [ ! -f "$include/Python.h" ]; then \
        apt-get install -y --no-install-recommends python3-dev; fi \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, from pyproject.toml and the tested versions alone: that layer stays
# cached while only sentinel's code changes. With the `confluent` extra (librdkafka, ~16 MB),
# so `--output-client confluent` (helm: run.outputClient) needs no image of its own.
COPY pyproject.toml README.md LICENSE constraints.txt ./
RUN --mount=type=secret,id=pip-ca \
    if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi \
    && python3 -c "import tomllib; project = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(project['dependencies'] + project['optional-dependencies']['confluent']))" \
        > /tmp/requirements.txt \
    && python3 -m venv /opt/sentinel \
    && /opt/sentinel/bin/pip install --constraint constraints.txt --requirement /tmp/requirements.txt
# The compiled core (setup.py, SENTINEL_COMPILE=1): mypyc compiles the per-event path,
# filters included, against the dependencies just installed (about two thirds of the CPU
# per event; docs/benchmarks.md). mypy and the type stubs it reads are removed afterwards.
COPY setup.py ./
COPY sentinel ./sentinel
RUN --mount=type=secret,id=pip-ca \
    if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi \
    && /opt/sentinel/bin/pip install --constraint constraints.txt \
        mypy types-PyYAML types-protobuf 'setuptools>=77' \
    && SENTINEL_COMPILE=1 /opt/sentinel/bin/pip wheel --no-build-isolation --no-deps \
        --wheel-dir /wheels . \
    && /opt/sentinel/bin/pip uninstall --yes mypy librt ast-serialize pathspec \
        types-PyYAML types-protobuf \
    && /opt/sentinel/bin/pip install --no-deps /wheels/*.whl \
    && /opt/sentinel/bin/python -I -c "from sentinel.build import core; assert core() == 'compiled'" \
    && /opt/sentinel/bin/sentinel --version
# Trim what sentinel never runs: debug symbols of extension modules (not of the libraries
# vendored in *.libs/: those are patched by auditwheel, and strip breaks them), the test
# suites of spaCy and thinc,
# phonenumbers' geocoding and carrier data (sentinel only finds and validates numbers), and
# pip itself (nothing is installed at run time).
RUN site="$(/opt/sentinel/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" \
    && find "$site" -name '*.so' -type f -not -path '*.libs/*' -exec strip --strip-unneeded {} + \
    && rm -rf "$site/spacy/tests" "$site/thinc/tests" \
        "$site/phonenumbers/geodata" "$site/phonenumbers/carrierdata" \
    && /opt/sentinel/bin/python -m pip uninstall --yes --quiet pip \
    && /opt/sentinel/bin/python -c "import numpy, spacy, presidio_analyzer, re2, confluent_kafka; spacy.blank('en')" \
    && /opt/sentinel/bin/sentinel --version

FROM ${BASE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="sentinel" \
      org.opencontainers.image.description="Observability and safety guardrails for LLM traffic" \
      org.opencontainers.image.licenses="Apache-2.0"
# A fixed, numeric uid/gid: Kubernetes' runAsNonRoot can only verify a numeric USER.
RUN groupadd --system --gid 10001 sentinel \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin sentinel
COPY --from=builder /opt/sentinel /opt/sentinel
# HOME and caches under /tmp: the only writable path with a read-only root filesystem.
ENV PATH=/opt/sentinel/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    TMPDIR=/tmp
# The default rules ship inside the package (used when --rules is not given); the Helm chart
# mounts its ConfigMap on /etc/sentinel/rules and passes --rules=/etc/sentinel/rules.
WORKDIR /tmp
USER 10001:10001
EXPOSE 9464
ENTRYPOINT ["sentinel"]
CMD ["--help"]
