# syntax=docker/dockerfile:1
# The dashboard as a container image. It runs deploy/install-host.sh, the same steps as an
# installation on a host without containers (and CI runs that script, so the steps are tested
# even where no container engine is available). docs/deployment.md: running it, secrets, backups.
#
#   docker build -t ipdx-dashboard .
#   docker run -d --name ipdx -p 127.0.0.1:8501:8501 -v ipdx-data:/data \
#     -v "$PWD/secrets.toml:/opt/ipdx-dashboard/app/.streamlit/secrets.toml:ro" ipdx-dashboard
FROM python:3.11-slim-bookworm

ENV DEBIAN_FRONTEND=noninteractive \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1

# Chart images (kaleido) are drawn by Debian's chromium; Chinese labels need a CJK font.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

# A fixed uid, so that a bind-mounted data folder can be given to it (chown 10001).
RUN useradd --system --user-group --uid 10001 --home-dir /home/ipdx --create-home \
      --shell /usr/sbin/nologin ipdx

# The build context is bind-mounted (not copied into a layer) and pip's cache kept between builds.
RUN --mount=type=bind,target=/src --mount=type=cache,target=/root/.cache/pip \
    bash /src/deploy/install-host.sh --prefix /opt/ipdx-dashboard --state /data --user ipdx \
      --python /usr/local/bin/python3 --no-systemd

# The database and its archive (the source of truth) live on the volume.
ENV IPDX_DB=/data/ipdx.duckdb \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_PORT=8501 \
    PATH=/opt/ipdx-dashboard/bin:$PATH
VOLUME ["/data"]
USER ipdx
WORKDIR /opt/ipdx-dashboard/app
EXPOSE 8501

# A first start builds the database before serving: give it time.
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 \
  CMD ["/opt/ipdx-dashboard/venv/bin/python", "/opt/ipdx-dashboard/app/deploy/healthcheck.py"]
CMD ["/opt/ipdx-dashboard/bin/ipdx-dashboard"]
