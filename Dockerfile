# dlxh in a container: docs/OPERATIONS.md, "Docker".
#   docker build -t dlxh .
#   docker run -d --name dlxh --restart unless-stopped \
#     -v dlxh-data:/var/lib/dlxh -v dlxh-backups:/var/backups/dlxh \
#     -v /etc/dlxh/config.toml:/etc/dlxh/config.toml:ro \
#     --env-file /etc/dlxh/env dlxh
# The config must say data_dir = "/var/lib/dlxh" (and [backups] folder = "/var/backups/dlxh").
# Webhook mode: add  -p 127.0.0.1:8443:8443  and set [webhook] listen_host = "0.0.0.0" in the config.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DLXH_CONFIG=/etc/dlxh/config.toml

RUN groupadd --system --gid 10001 dlxh \
    && useradd --system --uid 10001 --gid dlxh --home-dir /var/lib/dlxh --shell /usr/sbin/nologin dlxh \
    && install -d -o dlxh -g dlxh -m 0750 /var/lib/dlxh /var/backups/dlxh \
    && install -d -m 0755 /etc/dlxh

WORKDIR /opt/dlxh
COPY pyproject.toml README.md config.example.toml ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY scheduler ./scheduler
COPY docs ./docs
RUN pip install --no-compile . && cp config.example.toml /etc/dlxh/config.example.toml

USER dlxh
WORKDIR /var/lib/dlxh
VOLUME ["/var/lib/dlxh", "/var/backups/dlxh"]
EXPOSE 8443
STOPSIGNAL SIGTERM
# healthy = the config loads, the database answers, dlxh run is alive and no channel waits or was refused
# (no network call, no integrity scan: cheap every minute). `docker inspect --format '{{json .State.Health}}' dlxh`
HEALTHCHECK --interval=60s --timeout=20s --start-period=90s --retries=3 CMD ["dlxh", "doctor", "--quick"]
ENTRYPOINT ["dlxh"]
CMD ["run"]
