# Production image: PostgreSQL via PRACTICE_DATABASE_URL; secrets via the environment.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PRACTICE_ENVIRONMENT=production \
    PRACTICE_HOST=0.0.0.0 \
    PRACTICE_PORT=8000

WORKDIR /srv/practice
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY schema ./schema
COPY migrations ./migrations
COPY policies ./policies
# Editable: policies/, migrations/ and alembic.ini are read from this directory at run time.
RUN pip install --no-cache-dir -e . && useradd --system --uid 10001 practice
USER practice

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["sh", "-c", "practice migrate && practice serve"]
