# syntax=docker/dockerfile:1
# mngbot, compiled: TypeScript is built to dist/ in a build stage; the image runs `node dist/main.js`
# with production dependencies only (no tsx, no TypeScript), and carries the `mngbot` CLI.
#   docker build -t mngbot .
#   docker run --rm -e MNG_WORLD=sim -e SLACK_BOT_TOKEN=… -e SLACK_APP_TOKEN=… -e SLACK_SOCKET_MODE=true mngbot
#   docker run --rm mngbot mngbot plan --to 1.30        # the CLI, on the bundled simulated world
# Node 22 LTS (mngbot needs Node >= 20.19). Pin a digest for reproducible builds:
#   --build-arg NODE_IMAGE=node:22-bookworm-slim@sha256:…   (docker buildx imagetools inspect node:22-bookworm-slim)
ARG NODE_IMAGE=node:22-bookworm-slim

# --- build: every dependency from the lockfile, then tsc to dist/ ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- deps: production dependencies only, from the lockfile ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: none of the production dependencies needs one.
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
# MNG_SCENARIO: the world MNG_WORLD=sim simulates (the demo's, shipped in the image), so the example
# above starts as it is; with MNG_WORLD=aws it is not read.
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    PORT=3000 \
    MNG_DATA_DIR=/data \
    MNG_SCENARIO=/app/scenarios/demo.json
WORKDIR /app
# Owned by root and read-only to the app: it writes only to MNG_DATA_DIR.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# package.json (ES module type, engines, version), the CLI's entry and the simulator's scenarios.
COPY package.json ./
COPY bin ./bin
COPY scenarios ./scenarios
RUN chmod 755 bin/mngbot.js \
 && ln -s /app/bin/mngbot.js /usr/local/bin/mngbot \
 && mkdir -p /data && chown 10001:10001 /data
VOLUME ["/data"]
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
