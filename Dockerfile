# Rapport production image.
#
#   docker build -t rapport:local .
#   docker run --env-file .env rapport:local                          # web (rapport serve)
#   docker run --env-file .env rapport:local rapport worker           # job worker
#   docker run --env-file .env rapport:local rapport migrate          # apply migrations (not automatic)
#
# Written for the classic builder as well as BuildKit (docker-compose 1.29 builds with the
# classic one), so no RUN --mount or COPY --link.

# ---- Stage 1: front-end assets (static/dist) --------------------------------------------
FROM node:20-slim AS assets

WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY static/ static/
RUN npm run build


# ---- Stage 2: the Python application ----------------------------------------------------
FROM python:3.11-slim AS app

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never

# Contract PDFs: WeasyPrint needs Pango, and the contracts are set in the DejaVu fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir uv \
    && groupadd --system --gid 10001 rapport \
    && useradd --system --uid 10001 --gid rapport --create-home --home-dir /home/rapport rapport

WORKDIR /app

# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

# Then the source. The project is installed editable (uv's default), which keeps templates/
# and static/ next to the code, where shared/web/templating.py looks for them.
COPY app.py cli.py piccolo_conf.py ./
COPY portal/ portal/
COPY backoffice/ backoffice/
COPY shared/ shared/
COPY templates/ templates/
COPY static/ static/
COPY --from=assets /src/static/dist/ static/dist/
RUN uv sync --frozen --no-dev \
    && mkdir -p /app/var \
    && chown rapport:rapport /app/var

ENV PATH="/app/.venv/bin:$PATH" \
    HOST=0.0.0.0 \
    PORT=8000 \
    RAPPORT_ENV=production \
    LOG_JSON=true

USER rapport
EXPOSE 8000

# Liveness only (/healthz). /readyz also needs the database, migrations and a worker.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]

# Migrations are not run on start: run `rapport migrate` once per release (compose: the migrate service).
CMD ["rapport", "serve"]
