FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DESK_VAR_DIR=/data
WORKDIR /app
# The appeal PDF's typeface (Latin, Cyrillic and CJK in one face): see docs/appeals.md. pg_dump
# and psql for `manage.py backup` / `restore` (Debian's client, at least the server's major version).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk postgresql-client \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md ./
COPY config ./config
COPY disputes ./disputes
COPY evidence ./evidence
COPY messaging ./messaging
COPY appeals ./appeals
COPY backups ./backups
COPY connectors ./connectors
COPY accounts ./accounts
RUN pip install --no-cache-dir .

COPY . .
# collectstatic needs settings but no secrets of its own: throw-away random keys (production
# refuses short or placeholder keys, or none), never kept in the image.
RUN DEBUG=0 SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" ALLOWED_HOSTS=localhost \
    DESK_CONNECTOR_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    bin/serve collectstatic

RUN useradd --system --home /app desk && mkdir -p /data && chown desk /data
USER desk
EXPOSE 8000
# The entry commands live in bin/serve (web, worker, mail-worker, beat, migrate), which
# docker-compose.yml and the production-mode test run too.
CMD ["bin/serve", "web"]
