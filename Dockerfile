# syntax=docker/dockerfile:1
# mngbot: runs the TypeScript sources directly with tsx (a production dependency); there is no build step.
#   docker build -t mngbot .
#   docker run --rm -e MNG_WORLD=sim -e SLACK_BOT_TOKEN=… -e SLACK_APP_TOKEN=… -e SLACK_SOCKET_MODE=true mngbot
# Node 22 LTS (mngbot needs Node >= 20.19). Pin a digest for reproducible builds:
#   --build-arg NODE_IMAGE=node:22-bookworm-slim@sha256:…
ARG NODE_IMAGE=node:22-bookworm-slim

# --- deps: production dependencies only, from the lockfile ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the only one (esbuild's) merely checks its binary, which npm already installed
# from the platform's optional package.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# --- final ---
FROM ${NODE_IMAGE}
# tini as PID 1: forwards SIGTERM to node and reaps children (node does neither as PID 1).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 mngbot \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin mngbot
ENV NODE_ENV=production \
    PORT=3000 \
    MNG_DATA_DIR=/data
WORKDIR /app
# Owned by root and read-only to the app: it writes only to MNG_DATA_DIR and /tmp (tsx's cache).
COPY --from=deps /app/node_modules ./node_modules
# package*.json (ES module type, engines), tsconfig.json (tsx reads it), src/ and scenarios/ (the
# simulator demo): .dockerignore lets nothing else in.
COPY . .
RUN mkdir -p /data && chown 10001:10001 /data
VOLUME ["/data"]
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "src/main.ts"]
