# innomon: the API server. Configuration comes only from INNOMON_* environment variables
# (README, "Operations"). The container migrates the database, then serves on port 8000.
#
#   docker build -t innomon .
#   docker run -p 8000:8000 innomon                                   # SQLite in the /data volume
#   docker run -p 8000:8000 -e INNOMON_DATABASE_URL=postgresql://... -e INNOMON_WORKERS=4 innomon
#
# Behind a TLS-intercepting proxy, pass its CA bundle to pip:
#   --build-arg PIP_CERT=/path/in/build -v host-ca.crt:/path/in/build  (empty: pip's own CA list)

FROM python:3.12-slim AS build
ARG PIP_CERT=""
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY migrations ./migrations
# Build a wheel, install it (and only the runtime dependencies) into a venv, then drop pip from it:
# the final stage copies the venv alone, without the sources, the wheel or the build tools.
RUN python -m venv /opt/innomon \
    && python -m pip wheel ${PIP_CERT:+--cert "$PIP_CERT"} --no-cache-dir --no-deps --wheel-dir /tmp/wheels . \
    && /opt/innomon/bin/pip install ${PIP_CERT:+--cert "$PIP_CERT"} --no-cache-dir /tmp/wheels/*.whl \
    && /opt/innomon/bin/pip uninstall --yes pip \
    && /opt/innomon/bin/python -m compileall -q /opt/innomon

FROM python:3.12-slim
# PDF reports: WeasyPrint lays text out with pango (and subsets fonts with harfbuzz), and the
# reports' Chinese needs a CJK font (Noto Sans CJK, embedded into every PDF). Debian's versions
# follow the base image, so they are not pinned here.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/innomon /opt/innomon
# A numeric, unprivileged user; /data holds the SQLite file when no database URL is given.
RUN mkdir -p /data && chown 10001:10001 /data
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
ENV PATH=/opt/innomon/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    INNOMON_HOST=0.0.0.0 \
    INNOMON_PORT=8000 \
    INNOMON_WORKERS=1 \
    INNOMON_DATABASE_URL=sqlite:////data/innomon.db
EXPOSE 8000
# slim images have no curl: probe /healthz with the Python the image has anyway
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('INNOMON_PORT', '8000'), timeout=2)"]
# `innomon serve` migrates (under a PostgreSQL advisory lock: safe with several replicas), then
# runs uvicorn with INNOMON_WORKERS workers; SIGTERM drains in-flight requests and exits 0.
CMD ["innomon", "serve"]
