#!/usr/bin/env bash
# Ensure a Docker Engine answers, and that the tools the test fixtures need are present.
#
# - If an engine already answers (DOCKER_HOST, or /var/run/docker.sock), only the fixture tools are
#   checked.
# - Otherwise, on Debian as root: install Debian's docker.io, start dockerd in the background and
#   wait until it answers. Safe to run any number of times.
#
# Environment:
#   DOCKER_JOB_ENGINE_WAIT   seconds to wait for dockerd to answer (default 60)
#   DOCKER_JOB_DOCKERD_LOG   where dockerd writes its log (default /var/log/docker-job-dockerd.log)
set -euo pipefail

wait_s="${DOCKER_JOB_ENGINE_WAIT:-60}"
dockerd_log="${DOCKER_JOB_DOCKERD_LOG:-/var/log/docker-job-dockerd.log}"
sock=/var/run/docker.sock

say() { printf 'docker-engine: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# Does an engine answer? Uses the socket or DOCKER_HOST, without needing the docker CLI.
engine_answers() {
  local host="${DOCKER_HOST:-unix://$sock}"
  case "$host" in
    unix://*) curl -fsS --max-time 3 --unix-socket "${host#unix://}" http://localhost/_ping >/dev/null 2>&1 ;;
    tcp://*)
      if [ -n "${DOCKER_TLS_VERIFY:-}" ]; then
        local c="${DOCKER_CERT_PATH:-$HOME/.docker}"
        curl -fsS --max-time 3 --cacert "$c/ca.pem" --cert "$c/cert.pem" --key "$c/key.pem" \
          "https://${host#tcp://}/_ping" >/dev/null 2>&1
      else
        curl -fsS --max-time 3 "http://${host#tcp://}/_ping" >/dev/null 2>&1
      fi ;;
    *) command -v docker >/dev/null 2>&1 && docker version >/dev/null 2>&1 ;;
  esac
}

can_install() {
  [ "$(id -u)" -eq 0 ] || die "no engine answers at ${DOCKER_HOST:-unix://$sock} and this script is not root, so it cannot install one. Start Docker yourself, or run this script as root."
  [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1 \
    || die "no engine answers at ${DOCKER_HOST:-unix://$sock} and this is not a Debian machine, so this script cannot install one. Install and start Docker Engine, then try again."
}

apt_updated=0
apt_install() {
  can_install
  export DEBIAN_FRONTEND=noninteractive
  if [ "$apt_updated" -eq 0 ]; then
    say "apt-get update"
    apt-get update -qq >/dev/null
    apt_updated=1
  fi
  say "installing $*"
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Fixture tools: a static busybox for FROM-scratch test images, and Debian's docker-registry, the
# real registry the push tests start on a free port of 127.0.0.1.
ensure_fixture_tools() {
  if [ ! -x /bin/busybox ] || ! file_is_static /bin/busybox; then
    if [ "$(id -u)" -eq 0 ] && [ -f /etc/debian_version ]; then
      apt_install busybox-static
    else
      say "warning: /bin/busybox (static) is missing; the test fixtures need Debian's busybox-static"
    fi
  fi
  if [ ! -x /usr/bin/docker-registry ]; then
    if [ "$(id -u)" -eq 0 ] && [ -f /etc/debian_version ]; then
      install_registry_without_service
    else
      say "warning: /usr/bin/docker-registry is missing; the push tests need Debian's docker-registry"
    fi
  fi
}

# The package ships a service that listens on :5000. The tests start their own registries, so the
# service must not run: a policy-rc.d that denies starts is in place during the install (unless one
# already is), and a service that started anyway is stopped and disabled.
install_registry_without_service() {
  local policy=/usr/sbin/policy-rc.d ours=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    ours=1
  fi
  apt_install docker-registry || { [ "$ours" -eq 1 ] && rm -f "$policy"; exit 1; }
  [ "$ours" -eq 1 ] && rm -f "$policy"
  if pgrep -x docker-registry >/dev/null 2>&1; then
    say "stopping the docker-registry service the package started"
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
      systemctl disable --now docker-registry >/dev/null 2>&1 || true
    else
      service docker-registry stop >/dev/null 2>&1 || true
    fi
  fi
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable docker-registry >/dev/null 2>&1 || true
  fi
}

file_is_static() {
  # ldd refuses a static executable ("not a dynamic executable"). (Looking for the loader's name in
  # the file does not work: the static busybox contains the string too.)
  ! ldd "$1" >/dev/null 2>&1
}

# A killed process stays a zombie where nothing reaps orphans (PID 1 in some sandboxes): not alive.
dockerd_alive() { ps -C dockerd -o stat= 2>/dev/null | grep -qv '^Z'; }
pid_alive() { local stat; stat=$(ps -p "$1" -o stat= 2>/dev/null) && [ -n "$stat" ] && [ "${stat#Z}" = "$stat" ]; }

start_dockerd() {
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST}" != "unix://$sock" ] \
    && die "DOCKER_HOST=${DOCKER_HOST} does not answer; this script only starts a local engine on $sock. Unset DOCKER_HOST or start that engine."
  if ! dockerd_alive; then
    # A dockerd that was killed leaves its pid file behind and the next start refuses. Its
    # containerd may outlive it (and keep the containers running): dockerd reattaches to it
    # through its pid file, so that file goes only when its process is gone.
    rm -f /var/run/docker.pid
    local cpid=/var/run/docker/containerd/containerd.pid
    if [ -f "$cpid" ] && ! pid_alive "$(cat "$cpid" 2>/dev/null)"; then rm -f "$cpid"; fi
    say "starting dockerd (log: $dockerd_log)"
    # dockerd outlives this script: it must not inherit any descriptor beyond 0-2 (a lock held by
    # a caller's flock, a CI runner's pipe), or it would hold them open for its whole life.
    (
      for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        [ "$fd" -gt 2 ] && eval "exec $fd>&-"
      done
      exec setsid dockerd >"$dockerd_log" 2>&1 </dev/null
    ) &
  else
    say "dockerd is running but does not answer yet; waiting"
  fi
  local i
  for ((i = 0; i < wait_s * 4; i++)); do
    engine_answers && return 0
    sleep 0.25
  done
  say "dockerd did not answer within ${wait_s}s; last lines of $dockerd_log:"
  tail -n 20 "$dockerd_log" >&2 || true
  exit 1
}

# The script's own tools: curl asks the engine, ps tells a live dockerd from a dead one. A
# minimal Debian has neither, and docker.io depends on neither.
ensure_script_tools() {
  local missing=()
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v ps >/dev/null 2>&1 || missing+=(procps)
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && [ -f /etc/debian_version ]; then
    apt_install "${missing[@]}"
  else
    die "this script needs ${missing[*]}: install them, or start the Docker engine yourself"
  fi
}

ensure_script_tools
if engine_answers; then
  say "engine answers at ${DOCKER_HOST:-unix://$sock}"
else
  can_install
  start_dockerd
  say "engine started at unix://$sock"
fi
ensure_fixture_tools
