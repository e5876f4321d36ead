# syntax=docker/dockerfile:1
# The Jurist image: gateway (`serve`, the default), trainer worker (`trainer`) and every other
# CLI command. TypeScript is compiled ahead of time (the build stage) and bin/jurist.js runs
# dist/ (about a fifth less CPU per verdict and ~90 MB less memory than tsx at run time:
# loadtest/RESULTS.md); the sources are in the image too, for tsx to fall back on. The other
# stages only keep npm, its cache, the compiler and download tools out of the final image.
#
#   docker build -t jurist .                          # gateway, trainer with a Kubernetes Job
#   docker build --target trainer-trl -t jurist-trl . # + Python and TRL: fine-tunes in-container
ARG NODE_VERSION=20.20.2

FROM node:${NODE_VERSION}-bookworm-slim AS base
WORKDIR /app

# Runtime dependencies only. tsx is one (bin/jurist.js registers it). No dependency needs an
# install script (package.json's allowScripts denies all three that have one); npm 10, which
# this image ships, does not read allowScripts, so --ignore-scripts says the same to it.
FROM base AS deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# `npm run build`: src/, sim/ and trainer/ compiled to dist/ by the TypeScript compiler (a dev
# dependency, so this stage installs everything).
FROM base AS build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY sim ./sim
COPY trainer ./trainer
RUN npm run build

# kubectl for deploy/fine-tune/k8s/run-job.sh, the trainer's Kubernetes Job template. Pinned
# and checked against the release's published SHA-256; another version needs KUBECTL_SHA256.
FROM base AS kubectl
ARG TARGETARCH=amd64
ARG KUBECTL_VERSION=v1.32.3
ARG KUBECTL_SHA256=""
ADD https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${TARGETARCH}/kubectl /kubectl
RUN sum="$KUBECTL_SHA256"; \
    if [ -z "$sum" ]; then \
      case "$TARGETARCH/$KUBECTL_VERSION" in \
        amd64/v1.32.3) sum=ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f ;; \
        arm64/v1.32.3) sum=6c2c91e760efbf3fa111a5f0b99ba8975fb1c58bb3974eca88b6134bcf3717e2 ;; \
        *) echo "no SHA-256 pinned for kubectl $KUBECTL_VERSION $TARGETARCH: set KUBECTL_SHA256" >&2; exit 1 ;; \
      esac; \
    fi; \
    echo "$sum  /kubectl" | sha256sum -c - && chmod 0755 /kubectl

FROM base AS app
# A fixed numeric uid, so Kubernetes' runAsNonRoot can verify it and volumes can be shared by
# id between the gateway and trainer containers. A home of its own: kubectl and the Python
# libraries keep caches there.
RUN groupadd --system --gid 10001 jurist \
  && useradd --system --uid 10001 --gid jurist --create-home --home-dir /home/jurist \
    --shell /usr/sbin/nologin jurist \
  && mkdir /data && chown jurist:jurist /data
COPY --from=kubectl /kubectl /usr/local/bin/kubectl
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY sim ./sim
COPY trainer ./trainer
# Copied after the sources and built after them: newer, so bin/jurist.js runs it.
COPY --from=build /app/dist ./dist
# The fine-tune templates, run from /app as JURIST_FINE_TUNE_COMMAND says.
COPY deploy/fine-tune ./deploy/fine-tune
# In a container the API must listen beyond loopback (and so requires API keys: JURIST_AUTH=auto).
ENV HOST=0.0.0.0 JURIST_DATA_DIR=/data
# Blobs, datasets, checkpoints, reports: shared by the gateway and the trainer.
VOLUME ["/data"]
# HTTP API, gRPC, the trainer worker's /metrics and /healthz.
EXPOSE 8080 50051 9464
USER 10001:10001
# One check for both long-running commands: the gateway answers /healthz on PORT, the trainer
# worker on JURIST_TRAIN_METRICS_PORT; neither listens on the other's port. No curl in a slim
# image: Node's fetch does it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const ports = [process.env.PORT || 8080, process.env.JURIST_TRAIN_METRICS_PORT || 9464]; Promise.any(ports.map((port) => fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4000) }).then((r) => { if (!r.ok) throw new Error(String(r.status)); }))).then(() => process.exit(0), () => process.exit(1));"]
ENTRYPOINT ["node", "bin/jurist.js"]
CMD ["serve"]

# The trainer for one GPU host (deploy/compose): the TRL fine-tune template runs in this
# container, so it needs Python and deploy/fine-tune/trl/requirements.txt (several GB: torch).
# Debian bookworm's python3 is 3.11, the version deploy/fine-tune/trl/Dockerfile uses.
FROM app AS trainer-trl
USER root
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 python3-venv \
  && rm -rf /var/lib/apt/lists/* \
  && python3 -m venv /opt/fine-tune \
  && /opt/fine-tune/bin/pip install --no-cache-dir --disable-pip-version-check \
    -r deploy/fine-tune/trl/requirements.txt
ENV PATH=/opt/fine-tune/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
CMD ["trainer"]

# The default target (last stage): the gateway image.
FROM app AS runtime
