# Archiver with Debian's Chromium inside. Data and screenshots live on volumes.
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
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["archiver", "serve", "--host", "0.0.0.0"]
