# The dashboard as a container image; compose.yaml runs it with PostgreSQL. See README "Docker".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# chromium draws the report charts, fonts-noto-cjk gives them (and the PDFs) Chinese glyphs
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# the lock file: every package at an exact version, each checked against its hash
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY . .
RUN useradd --create-home --uid 10001 union \
    && mkdir -p /app/var/logs /app/data/demo \
    && chown -R union:union /app/var /app/data/demo
USER union

ENV UNION_SERVER_ADDRESS=0.0.0.0 \
    UNION_LOG_FILE=/app/var/logs/union.log
EXPOSE 8501
VOLUME ["/app/var"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"]
# migrations, the example data on first start, then Streamlit (python -m deploy.serve)
CMD ["python", "-m", "deploy.serve", "--server.port", "8501", "--server.headless", "true"]
