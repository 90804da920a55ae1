# Archiver with Debian's Chromium inside. Data and screenshots live on volumes (or, with
# ARCHIVER_STORAGE_URL=s3://…, in a bucket). One image, either role (docs/deploy.md):
#   docker run … archiver                                   API, pages and worker (SQLite)
#   docker run … archiver archiver serve --host 0.0.0.0 --no-worker [--processes N]
#   docker run … archiver archiver worker --host 0.0.0.0    its /healthz and /metrics on 8001
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-liberation fonts-noto-color-emoji \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 archiver

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY archiver ./archiver
COPY migrations ./migrations
RUN pip install --no-cache-dir . \
 && mkdir -p /data /screenshots \
 && chown archiver:archiver /data /screenshots

ENV ARCHIVER_CHROMIUM=/usr/bin/chromium \
    ARCHIVER_DATA_DIR=/data \
    ARCHIVER_SCREENSHOTS_DIR=/screenshots \
    ARCHIVER_DATABASE_URL=sqlite:////data/archive.db \
    PYTHONUNBUFFERED=1

USER archiver
VOLUME ["/data", "/screenshots"]
EXPOSE 8000 8001
# Healthy when the API (8000) or the worker (8001) of this container says so; HEALTHCHECK_URL
# names another address.
HEALTHCHECK --interval=30s --timeout=5s CMD ["python", "-c", "import os, sys, urllib.request\nfor url in os.environ.get('HEALTHCHECK_URL', 'http://127.0.0.1:8000/healthz http://127.0.0.1:8001/healthz').split():\n    try:\n        sys.exit(urllib.request.urlopen(url, timeout=4).status != 200)\n    except OSError:\n        pass\nsys.exit(1)"]
CMD ["archiver", "serve", "--host", "0.0.0.0"]
