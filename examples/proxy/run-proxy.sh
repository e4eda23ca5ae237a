#!/bin/sh
# The seed's deployment from a shell: the docker-job proxy image, with the engine's socket mounted,
# reads the job from its environment, starts it as a sibling container, prints its output and exits
# with its exit code. `docker stop` on the proxy stops the job in its grace period and removes it.
#
#   DB_PWD_ENV=... sh examples/proxy/run-proxy.sh
#
# The password comes from the caller's environment (`-e DB_PWD_ENV` without a value), so it is
# never on a command line. The proxy needs no network of its own: it talks to the socket only.
set -eu
socket=/var/run/docker.sock
exec docker run --rm \
  --name "etl-proxy-$$" \
  --network none \
  -v "$socket:$socket" \
  --group-add "$(stat -c %g "$socket")" \
  -e IMAGE="${IMAGE:-registry.example.com/etl/orders:1.4}" \
  -e VOLUMES="${VOLUMES:-[\"/srv/etl/data:/data:ro\"]}" \
  -e COMMAND \
  -e DB_NAME_ENV=analytics \
  -e DB_USER_ENV=etl \
  -e DB_PWD_ENV \
  -e DB_HOST_ENV=warehouse.internal \
  -e DB_PORT_ENV=5432 \
  -e DOCKER_JOB_NETWORK \
  -e DOCKER_JOB_LABELS \
  -e DOCKER_JOB_TIMEOUT_MS \
  "${PROXY_IMAGE:-docker-job:0.1.0}"
