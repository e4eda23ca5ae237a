# The docker-job proxy image: runs the `docker-job` CLI, which reads the job from its environment,
# starts it as a sibling container through the mounted Docker socket, prints its logs and exits
# with its exit code. See docs/proxy-image.md.
#
# Builds with the classic builder and, with APP_SOURCE=prebuilt, with no network at all:
#   npm run image:build                         (stages .image/, then builds with APP_SOURCE=prebuilt)
#   docker build -t docker-job .                (from source: needs the npm registry)
#   docker build --build-arg BASE_IMAGE=docker-job/node-base:24 ...   (no registry: npm run image:base)

ARG BASE_IMAGE=node:24-bookworm-slim

# 1. The application: built from source with its dev dependencies, then pruned to production
#    dependencies; or, with APP_SOURCE=prebuilt, taken as staged in .image/ (dist/, package.json,
#    production node_modules/) by scripts/proxy-image.mjs. Either way it must answer --version.
FROM ${BASE_IMAGE} AS build
ARG APP_SOURCE=source
WORKDIR /build
COPY . .
RUN set -e; \
    mkdir -p /app; \
    if [ "$APP_SOURCE" = prebuilt ]; then \
      cp -R .image/. /app/; \
    else \
      npm ci --no-audit --no-fund; \
      npm run build; \
      npm prune --omit=dev --no-audit --no-fund; \
      cp -R package.json dist node_modules /app/; \
    fi; \
    rm -rf /app/dist/*.map /app/dist/*.d.ts; \
    node /app/dist/cli.js --version

# 2. The proxy: the base image and the application, no compiler, no npm cache, no sources.
FROM ${BASE_IMAGE}
COPY --from=build /app /app
LABEL org.opencontainers.image.title="docker-job" \
      org.opencontainers.image.description="Runs one containerised job from its environment (IMAGE, COMMAND, VOLUMES, *_ENV) through the mounted Docker socket" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production
# Not root: give the user access to the socket with --group-add <the socket's group id>.
USER node
# Node as PID 1 gets SIGTERM from `docker stop`: the CLI handles it (stops the job in its grace
# period, exits 143); a second signal kills the job at once.
ENTRYPOINT ["node", "--", "/app/dist/cli.js"]
