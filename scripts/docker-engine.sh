#!/usr/bin/env bash
# Install and start the container engine docker-job's demo, tests, CI and benchmarks run on.
#
#   bash scripts/docker-engine.sh [start|env|status|install|stop|kill|remove|uninstall]
#
#   start      (default) make the engine answer: install it if it is missing, start it unless it
#              answers already (then nothing is done), and check the tools the test fixtures need.
#   env        start, then print where the engine answers as KEY=value lines:
#                export $(bash scripts/docker-engine.sh env)     # or: ... env >> "$GITHUB_ENV"
#   status     say whether the engine answers, and what answers; exit 1 when nothing does.
#   install    download and unpack the engine only (to prepare a machine or a CI cache).
#   stop       stop the engine (SIGTERM, SIGKILL after TEST_ENGINE_STOP_WAIT s); data stays.
#   kill       SIGKILL the engine, as a crash would (for tests that restart it).
#   remove     stop, then delete the instance: data, exec root, socket, its bridge, its log.
#   uninstall  delete the engine's unpacked packages (never the system's docker.io).
#
# Which engine: TEST_ENGINE
#   docker-20.10  Debian 12's docker.io, installed with apt-get (the default; as before)
#   docker-26.1   Debian 13 (trixie)'s docker.io
#   docker-28.5   Debian sid's docker.io
#   podman-4.3    Debian 12's podman, its Docker-compatible service (alias: podman)
#   podman-5.4    Debian 13's podman, run with trixie's C library (it needs glibc 2.38)
# The newer engines come from Debian's archive without touching the system's apt state: an apt-get
# with its own sources list and state, `apt-get download`, `dpkg-deb -x` into
# TEST_ENGINES_DIR, with bookworm's runc (trixie's needs a newer glibc).
#
# Which instance: TEST_ENGINE_NAME (letters, digits, . _ -; at most 40)
#   Default "system" for docker-20.10: the machine's dockerd on /var/run/docker.sock, started as
#   before; the engine's own name otherwise. Every other instance runs side by side with its own
#     socket     /run/docker-job/<name>/docker.sock (podman: podman.sock)
#     exec root  /run/docker-job/<name>/exec, pid file /run/docker-job/<name>/daemon.pid
#     data root  /var/lib/docker-job/<name> (TEST_ENGINE_DATA_ROOT)
#     log        /var/log/docker-job/<name>.log (TEST_ENGINE_DOCKERD_LOG)
#     cgroups    under /docker-job-<name>
#
# Other settings:
#   TEST_ENGINE_BRIDGE   a side-by-side dockerd's bridge:
#                              own      its own bridge device dj-<name> (dj-<checksum> for names
#                                       over 12 characters), no iptables rules (default in the host's
#                                       network namespace: the shared iptables stay the first
#                                       engine's)
#                              none     no bridge network at all (--bridge none --iptables=false)
#                              default  dockerd's own docker0 and iptables (default inside
#                                       TEST_ENGINE_NETNS, where both are the namespace's)
#   TEST_ENGINE_NETNS    start the daemon inside this network namespace (a name in
#                              /var/run/netns, or a path), with nsenter --net (`ip netns exec`
#                              remounts /sys and dockerd fails). The namespace must exist.
#   TEST_ENGINE_ARGS     more daemon arguments, split on spaces (e.g. "--debug").
#   TEST_ENGINES_DIR     where packages are unpacked (default /opt/docker-job/engines).
#   TEST_ENGINE_DEBIAN_MIRROR   Debian archive to download from (default http://deb.debian.org/debian).
#   TEST_ENGINE_WAIT     seconds to wait for the engine to answer (default 60).
#   TEST_ENGINE_STOP_WAIT  seconds `stop` waits before SIGKILL (default 30).
#   TEST_ENGINE_DOCKERD_LOG     where the daemon writes its log (default for the system instance
#                              /var/log/docker-job-dockerd.log).
#
# DOCKER_HOST: with TEST_ENGINE unset, an engine that answers at DOCKER_HOST (or at
# /var/run/docker.sock) is used as it is, whatever it is. With TEST_ENGINE set, the asked
# engine must be what answers at its socket, and DOCKER_HOST, if set, must name that socket.
set -euo pipefail

command_name="${1:-start}"
[ "$#" -le 1 ] || { printf 'docker-engine: one command at most, got: %s\n' "$*" >&2; exit 2; }

wait_s="${TEST_ENGINE_WAIT:-60}"
stop_wait_s="${TEST_ENGINE_STOP_WAIT:-30}"
engines_dir="${TEST_ENGINES_DIR:-/opt/docker-job/engines}"
debian_mirror="${TEST_ENGINE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
system_sock=/var/run/docker.sock
t0=$(date +%s%N)

say() { printf 'docker-engine: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
elapsed() { local now; now=$(date +%s%N); printf '%d.%01d s' $(((now - t0) / 1000000000)) $((((now - t0) / 100000000) % 10)); }

case "$command_name" in
  start | env | status | install | stop | kill | remove | uninstall) ;;
  -h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown command '$command_name': expected start, env, status, install, stop, kill, remove or uninstall" ;;
esac

# --- The engine: what to install, and from where -------------------------------------------------

explicit_engine=0
[ -n "${TEST_ENGINE:-}" ] && explicit_engine=1
engine="${TEST_ENGINE:-docker-20.10}"
[ "$engine" = podman ] && engine=podman-4.3

# kind: docker or podman. suite: where the engine's packages come from (system = the machine's
# own apt). packages: from that suite. base_packages: from bookworm, for what a newer suite's
# build cannot give us here. version: the prefix the engine must report.
base_packages=()
case "$engine" in
  docker-20.10) kind=docker suite=system version=20.10 packages=(docker.io) ;;
  docker-26.1) kind=docker suite=trixie version=26.1 packages=(docker.io docker-cli containerd tini) base_packages=(runc) ;;
  docker-28.5) kind=docker suite=sid version=28.5 packages=(docker.io docker-cli containerd tini-static) base_packages=(runc) ;;
  podman-4.3)
    kind=podman suite=bookworm version=4.3
    packages=(podman conmon runc catatonit netavark aardvark-dns golang-github-containers-common libgpgme11 libassuan0 libsubid4 patchelf) ;;
  podman-5.4)
    # Podman and the libraries it needs newer than bookworm's, glibc 2.41 among them; podman is
    # patched to load them (and trixie's loader); its helpers are bookworm's, on bookworm's glibc.
    kind=podman suite=trixie version=5.4
    packages=(podman golang-github-containers-common libc6 libgpgme11t64 libassuan9 libgpg-error0 libsubid5 libseccomp2 libsqlite3-0)
    base_packages=(conmon runc catatonit netavark aardvark-dns patchelf) ;;
  *) die "TEST_ENGINE=${TEST_ENGINE} is not an engine this script knows: expected docker-20.10 (the default), docker-26.1, docker-28.5, podman-4.3 (or podman) or podman-5.4" ;;
esac
main_package="${packages[0]}"
[ "$kind" = podman ] && engine_label="Podman $version" || engine_label="Docker $version"

# --- The instance: where it runs -----------------------------------------------------------------

if [ -n "${TEST_ENGINE_NAME:-}" ]; then
  name="$TEST_ENGINE_NAME"
  [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$ ]] \
    || die "TEST_ENGINE_NAME='$name' is not a valid instance name: expected 1 to 40 letters, digits, '.', '_' or '-', starting with a letter or digit"
elif [ "$engine" = docker-20.10 ]; then
  name=system
else
  name="$engine"
fi
if [ "$name" = system ]; then
  [ "$engine" = docker-20.10 ] \
    || die "TEST_ENGINE_NAME=system is the machine's own dockerd (Debian's docker.io, docker-20.10) on $system_sock, not $engine: pick another name"
  sock="$system_sock"
  pidfile=/var/run/docker.pid
  exec_root=/var/run/docker
  data_root=/var/lib/docker
  log="${TEST_ENGINE_DOCKERD_LOG:-/var/log/docker-job-dockerd.log}"
  lock_dir=/var/run/docker-job
else
  run_dir="/run/docker-job/$name"
  [ "$kind" = podman ] && sock="$run_dir/podman.sock" || sock="$run_dir/docker.sock"
  pidfile="$run_dir/daemon.pid"
  exec_root="$run_dir/exec"
  data_root="${TEST_ENGINE_DATA_ROOT:-/var/lib/docker-job/$name}"
  log="${TEST_ENGINE_DOCKERD_LOG:-/var/log/docker-job/$name.log}"
  lock_dir=/run/docker-job
fi
host="unix://$sock"
engine_dir="$engines_dir/$engine"

netns=""
if [ -n "${TEST_ENGINE_NETNS:-}" ]; then
  [ "$name" != system ] || die "TEST_ENGINE_NETNS needs an instance of its own: set TEST_ENGINE_NAME"
  case "$TEST_ENGINE_NETNS" in */*) netns="$TEST_ENGINE_NETNS" ;; *) netns="/var/run/netns/$TEST_ENGINE_NETNS" ;; esac
fi

bridge_mode="${TEST_ENGINE_BRIDGE:-}"
if [ -z "$bridge_mode" ]; then
  if [ -n "$netns" ] || [ "$name" = system ]; then bridge_mode=default; else bridge_mode=own; fi
fi
case "$bridge_mode" in
  own | none | default) ;;
  *) die "TEST_ENGINE_BRIDGE='$bridge_mode' is not a bridge setting: expected own, none or default" ;;
esac
if [ ${#name} -le 12 ]; then bridge="dj-$name"; else bridge="dj-$(printf '%s' "$name" | cksum | cut -d' ' -f1)"; bridge="${bridge:0:15}"; fi

# DOCKER_HOST must not point somewhere else than the engine asked for: tests would silently run on
# another engine than the one named.
if [ "$explicit_engine" -eq 1 ] && [ -n "${DOCKER_HOST:-}" ] && [ "$DOCKER_HOST" != "$host" ] \
  && ! { [ "$sock" = "$system_sock" ] && [ "$DOCKER_HOST" = unix:///run/docker.sock ]; }; then
  die "DOCKER_HOST=$DOCKER_HOST names another engine than TEST_ENGINE=$engine (instance '$name', at $host): unset DOCKER_HOST, or set it to $host"
fi

# An instance's data belongs to one engine (formats differ between engines and versions).
engine_marker="$data_root/docker-job-engine"
if [ "$name" != system ] && [ -f "$engine_marker" ] && [ "$(cat "$engine_marker")" != "$engine" ]; then
  die "the instance '$name' holds the data of $(cat "$engine_marker") (in $data_root), not of $engine: remove it first (TEST_ENGINE=$(cat "$engine_marker") TEST_ENGINE_NAME=$name bash $0 remove), or choose another TEST_ENGINE_NAME"
fi

# stop, kill and remove act on an engine this script starts, never on one DOCKER_HOST merely names.
case "$command_name" in
  stop | kill | remove)
    if [ "$explicit_engine" -eq 0 ] && [ -n "${DOCKER_HOST:-}" ] && [ "$DOCKER_HOST" != "unix://$system_sock" ] && [ "$DOCKER_HOST" != unix:///run/docker.sock ]; then
      die "DOCKER_HOST=$DOCKER_HOST is not an engine this script started: set TEST_ENGINE (and TEST_ENGINE_NAME) to the engine to $command_name"
    fi ;;
esac

# --- Asking an engine ----------------------------------------------------------------------------

# Does an engine answer at this address? Without needing the docker CLI.
answers_at() {
  local h="$1"
  case "$h" in
    unix://*) curl -fsS --max-time 3 --unix-socket "${h#unix://}" http://localhost/_ping >/dev/null 2>&1 ;;
    tcp://*)
      if [ -n "${DOCKER_TLS_VERIFY:-}" ]; then
        local c="${DOCKER_CERT_PATH:-$HOME/.docker}"
        curl -fsS --max-time 3 --cacert "$c/ca.pem" --cert "$c/cert.pem" --key "$c/key.pem" \
          "https://${h#tcp://}/_ping" >/dev/null 2>&1
      else
        curl -fsS --max-time 3 "http://${h#tcp://}/_ping" >/dev/null 2>&1
      fi ;;
    *) command -v docker >/dev/null 2>&1 && DOCKER_HOST="$h" docker version >/dev/null 2>&1 ;;
  esac
}

# What answers at a unix socket: "<component> <version> <api version>", e.g. "Engine 28.5.2+dfsg4 1.51"
# or "Podman Engine 4.3.1 1.41".
identity_at() {
  local v c a
  v=$(curl -fsS --max-time 5 --unix-socket "$1" http://localhost/version 2>/dev/null) || return 1
  c=$(printf '%s' "$v" | sed -n 's/.*"Components":\[{"Name":"\([^"]*\)","Version":"\([^"]*\)".*/\1 \2/p')
  a=$(printf '%s' "$v" | sed -n 's/.*"ApiVersion":"\([^"]*\)".*/\1/p')
  [ -n "$c" ] || c="unknown ?"
  printf '%s %s\n' "$c" "${a:-?}"
}

# Is it the asked engine? Docker's first component is "Engine", Podman's "Podman Engine".
identity_matches() {
  local id="$1" component ver
  ver=$(printf '%s' "$id" | awk '{print $(NF-1)}')
  component="${id% * *}"
  if [ "$kind" = podman ]; then [ "$component" = "Podman Engine" ]; else [ "$component" = Engine ]; fi && [[ "$ver" == "$version".* ]]
}

describe_identity() {
  local id="$1" component ver api
  api="${id##* }"; ver=$(printf '%s' "$id" | awk '{print $(NF-1)}'); component="${id% * *}"
  case "$component" in Engine) printf 'Docker %s (API %s)' "$ver" "$api" ;; "Podman Engine") printf 'Podman %s (API %s)' "$ver" "$api" ;; *) printf '%s %s (API %s)' "$component" "$ver" "$api" ;; esac
}

# --- Processes -----------------------------------------------------------------------------------

# A killed process stays a zombie where nothing reaps orphans (PID 1 in some sandboxes): not alive.
pid_alive() { local stat; stat=$(ps -p "$1" -o stat= 2>/dev/null) && [ -n "$stat" ] && [ "${stat#Z}" = "$stat" ]; }
# The instance's daemon, from its pid file: alive, and a dockerd (podman) still, not a process that
# got the number since. Other dockerds on the machine (side by side, in namespaces) are not it.
daemon_pid() {
  local p comm
  [ -f "$pidfile" ] && p=$(cat "$pidfile" 2>/dev/null) && [ -n "$p" ] && pid_alive "$p" || return 1
  comm=$(ps -p "$p" -o comm= 2>/dev/null) || return 1
  [ "$comm" = "$([ "$kind" = podman ] && echo podman || echo dockerd)" ] || return 1
  echo "$p"
}

# Starts a daemon that outlives this script. It must not inherit any descriptor beyond 0-2 (a lock
# held by a caller's flock, a CI runner's pipe), or it would hold them open for its whole life.
# Prints its pid.
launch() {
  local out="$1"; shift
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    cd /
    exec setsid "$@" >>"$out" 2>&1 </dev/null
  ) &
  echo $!
}

wait_answers() {
  local what="$1" watch_pid="${2:-}" i
  for ((i = 0; i < wait_s * 4; i++)); do
    answers_at "$host" && return 0
    if [ -n "$watch_pid" ] && ! pid_alive "$watch_pid"; then
      say "$what exited before it answered; last lines of $log:"
      tail -n 20 "$log" >&2 || true
      exit 1
    fi
    sleep 0.25
  done
  say "$what did not answer at $host within ${wait_s}s; last lines of $log:"
  tail -n 20 "$log" >&2 || true
  exit 1
}

# --- Installing ----------------------------------------------------------------------------------

need_root() {
  [ "$(id -u)" -eq 0 ] || die "$1, and this script is not root, so it cannot. Run it as root, or start the engine yourself."
}
need_debian() {
  [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 \
    || die "$1, and this is not a Debian machine (no apt-get, dpkg-deb), so this script cannot. Install and start the engine yourself, then try again."
}

apt_updated=0
apt_install() {
  need_root "installing $* needs root"
  need_debian "installing $* needs Debian's apt"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$apt_updated" -eq 0 ]; then
    say "apt-get update"
    apt-get update -qq >/dev/null || die "apt-get update failed (needed to install $*)"
    apt_updated=1
  fi
  say "installing $*"
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null || die "apt-get install $* failed"
}

# apt-get on a suite of our own: its sources list, lists and cache under $engines_dir/apt/<suite>;
# the machine's sources, lists, cache and package status are neither read nor written.
private_apt() {
  local s="$1"; shift
  local a="$engines_dir/apt/$s"
  apt-get -q -o Dir::Etc::SourceList="$a/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache" -o Dir::State::status=/dev/null \
    -o APT::Sandbox::User=root -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false \
    -o Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false "$@"
}

private_apt_update() {
  local s="$1" a="$engines_dir/apt/$1" keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -f "$keyring" ] || die "cannot check Debian's archive: $keyring is missing (package debian-archive-keyring)"
  mkdir -p "$a/lists/partial" "$a/cache/archives/partial"
  printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$debian_mirror" "$s" >"$a/sources.list"
  say "apt-get update of Debian $s (own lists in $a)"
  private_apt "$s" update >"$a/update.log" 2>&1 || { tail -n 20 "$a/update.log" >&2; die "apt-get update of Debian $s from $debian_mirror failed (log above, and in $a/update.log)"; }
}

# Downloads packages of a suite into a directory. Updates the suite's lists when there are none,
# or when a download fails (the archive moved on since the last update).
download_packages() {
  local s="$1" dest="$2"; shift 2
  local a="$engines_dir/apt/$s"
  mkdir -p "$dest"
  if ! compgen -G "$a/lists/*_Packages*" >/dev/null; then private_apt_update "$s"; fi
  if ! (cd "$dest" && private_apt "$s" download "$@" >"$dest/download.log" 2>&1); then
    private_apt_update "$s"
    (cd "$dest" && private_apt "$s" download "$@" >"$dest/download.log" 2>&1) \
      || { tail -n 20 "$dest/download.log" >&2; die "downloading $* from Debian $s failed (log above)"; }
  fi
  rm -f "$dest/download.log"
}

# Unpacks the packages of the engine into $engine_dir: root/ (the engine's suite), base/
# (bookworm's runc and helpers), bin/ (what goes first on PATH). The file `installed` is written
# last: without it, the directory is an interrupted install and starts again.
install_private() {
  [ -f "$engine_dir/installed" ] && return 0
  need_root "$engine_label is not installed in $engine_dir"
  need_debian "$engine_label is not installed in $engine_dir"
  local start; start=$(date +%s%N)
  say "installing $engine_label from Debian $suite into $engine_dir"
  rm -rf "$engine_dir"
  mkdir -p "$engine_dir/debs" "$engine_dir/base-debs" "$engine_dir/root" "$engine_dir/base" "$engine_dir/bin"
  download_packages "$suite" "$engine_dir/debs" "${packages[@]}"
  [ "${#base_packages[@]}" -eq 0 ] || download_packages bookworm "$engine_dir/base-debs" "${base_packages[@]}"

  local deb got
  deb=$(compgen -G "$engine_dir/debs/${main_package}_*.deb" | head -n 1) || true
  [ -n "$deb" ] || die "Debian $suite gave no $main_package package"
  got=$(dpkg-deb -f "$deb" Version)
  [[ "$got" == "$version".* || "$got" == [0-9]:"$version".* ]] \
    || die "Debian $suite now serves $main_package $got, not $version.x as TEST_ENGINE=$engine expects: the engine table in this script needs updating (or set TEST_ENGINE_DEBIAN_MIRROR to an archive snapshot that has $version)"

  for deb in "$engine_dir"/debs/*.deb; do dpkg-deb -x "$deb" "$engine_dir/root"; done
  for deb in "$engine_dir"/base-debs/*.deb; do [ -e "$deb" ] && dpkg-deb -x "$deb" "$engine_dir/base"; done
  {
    for deb in "$engine_dir"/debs/*.deb "$engine_dir"/base-debs/*.deb; do
      [ -e "$deb" ] && printf '%s %s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)"
    done
  } >"$engine_dir/packages"
  rm -rf "$engine_dir/debs" "$engine_dir/base-debs"

  # bin/: the engine's own executables first, then bookworm's.
  local d f
  for d in root/usr/sbin root/usr/bin base/usr/sbin base/usr/bin; do
    [ -d "$engine_dir/$d" ] || continue
    for f in "$engine_dir/$d"/*; do
      [ -e "$engine_dir/bin/${f##*/}" ] || [ -L "$engine_dir/bin/${f##*/}" ] || ln -s "$f" "$engine_dir/bin/${f##*/}"
    done
  done
  if [ "$kind" = podman ]; then install_podman_binary; fi
  check_installed
  printf '%s installed %s\n' "$engine" "$(date -u +%FT%TZ)" >"$engine_dir/installed"
  local now; now=$(date +%s%N)
  say "installed $engine_label in $(((now - start) / 1000000000)).$((((now - start) / 100000000) % 10)) s ($(awk '{print $1" "$2}' "$engine_dir/packages" | grep "^$main_package " | cut -d' ' -f2))"
}

# Podman links libraries the machine lacks (or, from trixie, a newer glibc): a copy of it is
# patched to find them in root/ (and, when root/ has its own C library, to use root/'s loader), so
# that no LD_LIBRARY_PATH leaks into the helpers it starts.
install_podman_binary() {
  local patchelf libdir loader
  patchelf=$(compgen -G "$engine_dir/*/usr/bin/patchelf" | head -n 1) || true
  [ -n "$patchelf" ] || die "patchelf was not unpacked into $engine_dir"
  libdir=$(compgen -G "$engine_dir/root/usr/lib/*-linux-gnu*/libgpgme.so.*" | head -n 1) || true
  [ -n "$libdir" ] || die "$engine_label: libgpgme was not unpacked into $engine_dir/root"
  libdir=$(dirname "$libdir")
  rm -f "$engine_dir/bin/podman"
  cp "$engine_dir/root/usr/bin/podman" "$engine_dir/bin/podman"
  if loader=$(compgen -G "$libdir/ld-linux*.so.*" | head -n 1); then
    "$patchelf" --set-interpreter "$loader" "$engine_dir/bin/podman"
  fi
  "$patchelf" --force-rpath --set-rpath "$libdir" "$engine_dir/bin/podman"
}

check_installed() {
  local b missing
  local -a check
  if [ "$kind" = docker ]; then check=(dockerd containerd containerd-shim-runc-v2 runc docker docker-init docker-proxy); else check=(podman conmon runc catatonit); fi
  for b in "${check[@]}"; do
    [ -x "$engine_dir/bin/$b" ] || die "$engine_label: $b is missing from the unpacked packages in $engine_dir"
    if missing=$(ldd "$engine_dir/bin/$b" 2>&1 | grep -E 'not found|version .* not found'); then
      die "$engine_label: $engine_dir/bin/$b cannot run on this machine: $missing"
    fi
  done
  if [ "$kind" = docker ]; then
    "$engine_dir/bin/dockerd" --version >/dev/null 2>&1 || die "$engine_label: $engine_dir/bin/dockerd does not run: $("$engine_dir/bin/dockerd" --version 2>&1 | head -n 3)"
  else
    "$engine_dir/bin/podman" --version >/dev/null 2>&1 || die "$engine_label: $engine_dir/bin/podman does not run: $("$engine_dir/bin/podman" --version 2>&1 | head -n 3)"
  fi
}

install_engine() {
  if [ "$suite" = system ]; then
    command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  else
    mkdir -p "$engines_dir"
    # One install at a time per engine (two CI clones on one machine): the lock is on fd 9, and
    # daemons started later never inherit it (see launch).
    exec 9>"$engines_dir/.lock-$engine"
    flock 9
    install_private
    flock -u 9
    exec 9>&-
  fi
}

# --- Starting ------------------------------------------------------------------------------------

# The machine's own dockerd on /var/run/docker.sock (as this script always did).
system_host_is_local() {
  [ -z "${DOCKER_HOST:-}" ] || [ "$DOCKER_HOST" = "unix://$system_sock" ] || [ "$DOCKER_HOST" = unix:///run/docker.sock ] \
    || die "DOCKER_HOST=${DOCKER_HOST} does not answer. This script starts the local engine on $system_sock, or another one when TEST_ENGINE (and TEST_ENGINE_NAME) say which: unset DOCKER_HOST, set those, or start that engine."
}

start_system_dockerd() {
  if ! daemon_pid >/dev/null; then
    # A dockerd that was killed leaves its pid file behind and the next start refuses. Its
    # containerd may outlive it (and keep the containers running): dockerd reattaches to it
    # through its pid file, so that file goes only when its process is gone.
    rm -f "$pidfile"
    local cpid=/var/run/docker/containerd/containerd.pid
    if [ -f "$cpid" ] && ! pid_alive "$(cat "$cpid" 2>/dev/null)"; then rm -f "$cpid"; fi
    say "starting dockerd (log: $log)"
    launch "$log" dockerd >/dev/null
  else
    say "dockerd is running but does not answer yet; waiting"
  fi
  wait_answers dockerd
}

# An instance's cgroup parent, bridge and exec root are its own.
start_instance_dockerd() {
  mkdir -p "$run_dir" "$exec_root" "$data_root" "$(dirname "$log")"
  printf '%s\n' "$engine" >"$engine_marker"
  local bindir="$engine_dir/bin"
  [ "$suite" = system ] && bindir=""
  if daemon_pid >/dev/null; then
    say "the dockerd of '$name' is running but does not answer yet; waiting"
    wait_answers dockerd "$(cat "$pidfile")"
    return
  fi
  rm -f "$pidfile" "$sock"
  local cpid="$exec_root/containerd/containerd.pid"
  if [ -f "$cpid" ] && ! pid_alive "$(cat "$cpid" 2>/dev/null)"; then rm -f "$cpid"; fi

  local -a args=(--config-file "$run_dir/daemon.json" --host "$host" --data-root "$data_root"
    --exec-root "$exec_root" --pidfile "$pidfile" --cgroup-parent "/docker-job-$name")
  case "$bridge_mode" in
    none) args+=(--bridge none --iptables=false) ;;
    own)
      ensure_bridge
      args+=(--bridge "$bridge" --iptables=false --ip-masq=false) ;;
    default) ;;
  esac
  # Extra arguments are split on spaces, on purpose.
  # shellcheck disable=SC2206
  [ -z "${TEST_ENGINE_ARGS:-}" ] || args+=(${TEST_ENGINE_ARGS})
  # Not the machine's /etc/docker/daemon.json: it belongs to the system's dockerd.
  [ -f "$run_dir/daemon.json" ] || printf '{}\n' >"$run_dir/daemon.json"

  local -a cmd=(env "PATH=${bindir:+$bindir:}$PATH")
  [ -z "$netns" ] || cmd+=(nsenter "--net=$netns" --)
  cmd+=(dockerd "${args[@]}")
  say "starting $engine_label as '$name' (log: $log)"
  printf '\n=== %s: %s\n' "$(date -u +%FT%TZ)" "${cmd[*]}" >>"$log"
  local pid; pid=$(launch "$log" "${cmd[@]}")
  wait_answers "the dockerd of '$name'" "$pid"
}

ensure_bridge() {
  command -v ip >/dev/null 2>&1 || apt_install iproute2
  local -a in_ns=()
  [ -z "$netns" ] || in_ns=(nsenter "--net=$netns" --)
  if ! "${in_ns[@]}" ip link show "$bridge" >/dev/null 2>&1; then
    "${in_ns[@]}" ip link add "$bridge" type bridge || die "cannot create the bridge $bridge for '$name'"
  fi
  "${in_ns[@]}" ip link set "$bridge" up
}

# The hard limits of this process: Podman as root asks the runtime for RLIMIT_NOFILE (and,
# depending on the version and pid_max, RLIMIT_NPROC) of 1048576, above them. Raising a hard limit
# needs CAP_SYS_RESOURCE, which some machines (these) do not grant even to root: every container
# then fails with "error setting rlimit type 7 (or 6): operation not permitted". Containers get
# these limits by default instead, as Docker's get its daemon's (see docs/test-engines.md).
podman_default_ulimits() {
  local nofile nproc pidmax out=()
  nofile=$(ulimit -Hn) nproc=$(ulimit -Hu)
  pidmax=$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo unlimited)
  if [ "$nproc" = unlimited ] || { [ "$pidmax" != unlimited ] && [ "$pidmax" -lt "$nproc" ]; }; then nproc="$pidmax"; fi
  [ "$nofile" = unlimited ] || out+=("\"nofile=$nofile:$nofile\"")
  [ "$nproc" = unlimited ] || out+=("\"nproc=$nproc:$nproc\"")
  local IFS=,
  printf '[%s]' "${out[*]}"
}

# Podman's own configuration for this instance, so that nothing of the machine's /etc/containers is
# read or written and instances do not share storage.
write_podman_config() {
  local conf="$run_dir/conf" share="$engine_dir/root/usr/share/containers" helpers
  mkdir -p "$conf" "$run_dir/home/.config/containers" "$run_dir/tmp" "$data_root"
  helpers=$(printf '"%s", ' "$engine_dir"/base/usr/lib/podman "$engine_dir"/root/usr/lib/podman "$engine_dir/bin")
  cat >"$conf/containers.conf" <<EOF
# Written by scripts/docker-engine.sh for the instance '$name' ($engine_label).
[containers]
default_ulimits = $(podman_default_ulimits)
init_path = "$engine_dir/bin/catatonit"
seccomp_profile = "$share/seccomp.json"

[engine]
# init_path twice: the compat API of Podman 4.3 reads [engine]'s, its CLI [containers]'.
init_path = "$engine_dir/bin/catatonit"
helper_binaries_dir = [${helpers%, }]
conmon_path = ["$engine_dir/bin/conmon"]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$run_dir/tmp"
volume_path = "$data_root/volumes"
# static_dir (the container database) stays at its default, <graphroot>/libpod: the cleanup
# process conmon starts when a container exits is given --root, which puts the database there;
# anywhere else, it finds no container, and exited containers stay "stopped" (and docker run --rm
# waits for ever).

[engine.runtimes]
runc = ["$conf/runc"]

[network]
network_backend = "netavark"
network_config_dir = "$data_root/networks"
EOF
  cat >"$conf/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$data_root/storage"
runroot = "$run_dir/storage"
EOF
  printf 'unqualified-search-registries = []\n' >"$conf/registries.conf"
  # runc keeps its state in /run/runc unless told: this instance's runc keeps it in its run dir.
  printf '#!/bin/sh\nexec %s --root %s "$@"\n' "$engine_dir/bin/runc" "$run_dir/runc" >"$conf/runc"
  chmod 755 "$conf/runc"
  # containers/image reads the signature policy from $HOME/.config/containers before /etc.
  printf '{ "default": [{ "type": "insecureAcceptAnything" }] }\n' >"$run_dir/home/.config/containers/policy.json"
}

podman_env() {
  printf '%s\n' "CONTAINERS_CONF=$run_dir/conf/containers.conf" "CONTAINERS_STORAGE_CONF=$run_dir/conf/storage.conf" \
    "CONTAINERS_REGISTRIES_CONF=$run_dir/conf/registries.conf" "HOME=$run_dir/home" \
    "PODMAN_IGNORE_CGROUPSV1_WARNING=1" "PATH=$engine_dir/bin:$PATH"
}

start_instance_podman() {
  mkdir -p "$run_dir" "$(dirname "$log")"
  if daemon_pid >/dev/null; then
    say "the Podman service of '$name' is running but does not answer yet; waiting"
    wait_answers "the Podman service of '$name'" "$(cat "$pidfile")"
    return
  fi
  rm -f "$pidfile" "$sock"
  write_podman_config
  printf '%s\n' "$engine" >"$engine_marker"
  local -a cmd env_lines
  mapfile -t env_lines < <(podman_env)
  cmd=(env "${env_lines[@]}")
  [ -z "$netns" ] || cmd+=(nsenter "--net=$netns" --)
  # shellcheck disable=SC2206
  cmd+=("$engine_dir/bin/podman" system service --time=0 ${TEST_ENGINE_ARGS:-} "$host")
  say "starting $engine_label as '$name' (log: $log)"
  printf '\n=== %s: %s\n' "$(date -u +%FT%TZ)" "${cmd[*]}" >>"$log"
  local pid; pid=$(launch "$log" "${cmd[@]}")
  echo "$pid" >"$pidfile"
  wait_answers "the Podman service of '$name'" "$pid"
}

# --- Stopping and removing -----------------------------------------------------------------------

signal_and_wait() {
  local pid="$1" sig="$2" wait="$3" i
  kill -"$sig" "$pid" 2>/dev/null || return 0
  for ((i = 0; i < wait * 4; i++)); do pid_alive "$pid" || return 0; sleep 0.25; done
  return 1
}

stop_instance() {
  local pid cpid
  if ! pid=$(daemon_pid); then
    say "'$name' ($engine_label) is not running"
  else
    say "stopping '$name' ($engine_label, pid $pid)"
    if ! signal_and_wait "$pid" TERM "$stop_wait_s"; then
      say "'$name' did not stop within ${stop_wait_s}s: SIGKILL"
      signal_and_wait "$pid" KILL 10 || die "'$name' (pid $pid) survived SIGKILL"
    fi
  fi
  # A dockerd that was killed leaves its containerd running.
  cpid="$exec_root/containerd/containerd.pid"
  if [ -f "$cpid" ] && pid=$(cat "$cpid" 2>/dev/null) && [ -n "$pid" ] && pid_alive "$pid"; then
    say "stopping the containerd '$name' left running (pid $pid)"
    signal_and_wait "$pid" TERM 10 || signal_and_wait "$pid" KILL 5 || true
  fi
  [ "$name" = system ] || rm -f "$pidfile" "$sock"
}

kill_instance() {
  local pid
  pid=$(daemon_pid) || { say "'$name' ($engine_label) is not running"; return 0; }
  say "killing '$name' ($engine_label, pid $pid) with SIGKILL"
  signal_and_wait "$pid" KILL 10 || die "'$name' (pid $pid) survived SIGKILL"
}

unmount_under() {
  local dir="$1" m
  [ -d "$dir" ] || return 0
  findmnt -rn -o TARGET | awk -v d="$dir" 'index($0, d "/") == 1 || $0 == d' | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || say "cannot unmount $m"
  done
}

remove_instance() {
  [ "$name" != system ] || die "remove deletes an instance's data; the system instance's (/var/lib/docker) is not this script's to delete"
  if [ "$kind" = podman ] && [ -x "$engine_dir/bin/podman" ] && [ -f "$run_dir/conf/containers.conf" ]; then
    # The service's containers outlive it (conmon keeps them): remove them first.
    env $(podman_env) "$engine_dir/bin/podman" rm --all --force --time 0 >/dev/null 2>&1 || true
  fi
  stop_instance
  unmount_under "$run_dir"
  unmount_under "$data_root"
  rm -rf "$run_dir" "$data_root" "$log" "$lock_dir/$name.lock"
  if [ "$bridge_mode" = own ] && [ -z "$netns" ] && ip link show "$bridge" >/dev/null 2>&1; then ip link del "$bridge" || true; fi
  local c
  for c in /sys/fs/cgroup/*/"docker-job-$name" /sys/fs/cgroup/"docker-job-$name"; do
    [ -d "$c" ] && rmdir "$c" 2>/dev/null || true
  done
  # What every rootful Podman of the machine shares (its cgroups, netavark's run directory): only
  # when nothing is left in it.
  if [ "$kind" = podman ]; then
    for c in /sys/fs/cgroup/*/libpod_parent/conmon /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/libpod_parent/conmon /sys/fs/cgroup/libpod_parent /run/containers/networks /run/containers; do
      [ -d "$c" ] && rmdir "$c" 2>/dev/null || true
    done
  fi
  say "removed '$name'"
}

# --- Fixture tools -------------------------------------------------------------------------------

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
  (apt_install docker-registry) || { [ "$ours" -eq 1 ] && rm -f "$policy"; exit 1; }
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

# The script's own tools: curl asks the engine, ps tells a live daemon from a dead one. A
# minimal Debian has neither, and docker.io depends on neither.
ensure_script_tools() {
  local missing=()
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v ps >/dev/null 2>&1 || missing+=(procps)
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && [ -f /etc/debian_version ]; then
    apt_install "${missing[@]}"
  else
    die "this script needs ${missing[*]}: install them, or start the engine yourself"
  fi
}

# --- Commands ------------------------------------------------------------------------------------

# With TEST_ENGINE unset, whatever answers at DOCKER_HOST (or the system socket) will do.
implicit_host() { [ "$explicit_engine" -eq 0 ] && [ "$name" = system ] && [ -n "${DOCKER_HOST:-}" ]; }

# Checks that what answers is the asked engine; prints its description.
check_identity() {
  local id
  if implicit_host && [[ "$DOCKER_HOST" != unix://* ]]; then printf 'the engine at %s' "$DOCKER_HOST"; return 0; fi
  local s="$sock"
  implicit_host && s="${DOCKER_HOST#unix://}"
  id=$(identity_at "$s") || { printf 'an engine'; return 0; }
  if [ "$explicit_engine" -eq 1 ] && ! identity_matches "$id"; then
    die "$host answers as $(describe_identity "$id"), not as $engine: another engine runs on that socket. Stop it, or give this one another TEST_ENGINE_NAME."
  fi
  describe_identity "$id"
}

start() {
  local target="$host" what
  implicit_host && target="$DOCKER_HOST"
  if answers_at "$target"; then
    what=$(check_identity) || exit 1
    say "$what answers at $target"
    return 0
  fi
  [ "$name" != system ] || system_host_is_local
  install_engine
  need_root "no engine answers at $host"
  if [ "$name" = system ]; then
    start_system_dockerd
  elif [ "$kind" = docker ]; then
    start_instance_dockerd
  else
    start_instance_podman
  fi
  what=$(check_identity) || exit 1
  say "$what answers at $host (after $(elapsed))"
}

print_env() {
  local target="$host"
  implicit_host && target="$DOCKER_HOST"
  printf 'DOCKER_HOST=%s\n' "$target"
  # Unasked, the engine is whatever answers: nothing more is known of it.
  [ "$explicit_engine" -eq 1 ] || return 0
  printf 'TEST_ENGINE=%s\nTEST_ENGINE_NAME=%s\n' "$engine" "$name"
  if [ "$kind" = docker ]; then
    if [ "$suite" = system ]; then
      command -v docker >/dev/null 2>&1 && printf 'TEST_ENGINE_CLI=%s\n' "$(command -v docker)"
    else
      printf 'TEST_ENGINE_CLI=%s\n' "$engine_dir/bin/docker"
    fi
  fi
  return 0
}

status() {
  local target="$host" pid=""
  implicit_host && target="$DOCKER_HOST"
  pid=$(daemon_pid) || pid=""
  if answers_at "$target"; then
    local what; what=$(check_identity) || exit 1
    say "'$name': $what answers at $target${pid:+ (pid $pid)}"
  else
    say "'$name' ($engine_label): nothing answers at $target${pid:+ (pid $pid is running)}"
    exit 1
  fi
}

ensure_script_tools
# One command at a time per instance (two test files starting the same engine). The lock is on fd
# 8; daemons never inherit it (see launch).
case "$command_name" in
  start | env | stop | kill | remove)
    if [ "$(id -u)" -eq 0 ]; then
      mkdir -p "$lock_dir"
      exec 8>"$lock_dir/$name.lock"
      flock 8
    fi ;;
esac
case "$command_name" in
  start)
    start
    ensure_fixture_tools ;;
  env)
    start
    ensure_fixture_tools
    print_env ;;
  status) status ;;
  install) install_engine ;;
  stop) need_root "stopping '$name' needs root"; stop_instance ;;
  kill) need_root "killing '$name' needs root"; kill_instance ;;
  remove) need_root "removing '$name' needs root"; remove_instance ;;
  uninstall)
    [ "$suite" != system ] || die "uninstall removes what this script unpacked; $engine is the system's docker.io (apt-get remove docker.io)"
    need_root "uninstalling $engine needs root"
    rm -rf "$engine_dir"
    say "removed $engine_dir" ;;
esac
