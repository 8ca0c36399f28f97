# syntax=docker/dockerfile:1
# sentinel's container image: `docker build -t sentinel:0.1.0 .`
#
# Two stages: the builder makes sentinel's wheel and installs it with its dependencies into
# a virtual environment (every dependency ships binary wheels for CPython 3.11 on
# manylinux x86_64: no compiler needed); the runtime stage copies that venv only. The
# runtime runs as uid 10001 and writes nothing outside /tmp, so it works with
# readOnlyRootFilesystem and an emptyDir on /tmp (as the Helm chart sets it up).
#
# Base image: pinned by tag here. For reproducible builds pin it by digest as well, e.g.
#   FROM python:3.11.14-slim-bookworm@sha256:<digest>
# (`docker buildx imagetools inspect python:3.11.14-slim-bookworm` prints the digest),
# in both stages, and let a bot such as Renovate or Dependabot bump it.

FROM python:3.11.14-slim-bookworm AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# Dependencies first, from pyproject.toml alone: that layer stays cached while only
# sentinel's code changes.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; project = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(project['dependencies']))" > /tmp/requirements.txt \
    && python -m venv /opt/sentinel \
    && /opt/sentinel/bin/pip install --requirement /tmp/requirements.txt
COPY sentinel ./sentinel
RUN python -m pip wheel --no-deps --wheel-dir /wheels . \
    && /opt/sentinel/bin/pip install --no-deps /wheels/*.whl \
    && /opt/sentinel/bin/sentinel --version

FROM python:3.11.14-slim-bookworm AS runtime
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
