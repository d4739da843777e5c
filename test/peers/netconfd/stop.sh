#!/usr/bin/env bash
# Stops the netconfd test peer that start.sh started in STATE_DIR and removes STATE_DIR.
#
# Usage: stop.sh STATE_DIR
#
# It signals only the pids recorded in STATE_DIR, and only when a pid's command line still
# names this STATE_DIR, so a recycled pid is left alone. SSH sessions still open keep their
# own sshd processes until their clients disconnect. The test user stays, because other
# state directories may use it.
set -euo pipefail

readonly MARKER_NAME=.netconfd-peer

die() {
  echo "netconfd peer stop: $*" >&2
  exit 1
}

[ $# -eq 1 ] || { echo "usage: $0 STATE_DIR" >&2; exit 2; }
state_dir=$1
case $state_dir in
  /*) ;;
  *) die "STATE_DIR must be an absolute path, got \"$state_dir\"" ;;
esac
if [ ! -e "$state_dir" ]; then
  exit 0
fi
# The marker keeps a mistyped path from being deleted.
[ -f "$state_dir/$MARKER_NAME" ] || die "$state_dir has no $MARKER_NAME file, so start.sh did not create it; nothing was stopped or removed"

# Succeeds when PID is a live, non-zombie process whose command line contains TEXT.
pid_matches() {
  local pid=$1 text=$2 state
  state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$text"
}

# Sends SIGTERM to the pid recorded in FILE if its command line contains TEXT, and SIGKILL
# if it is still running 5 s later.
stop_recorded() {
  local file=$1 text=$2 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if ! [[ $pid =~ ^[0-9]+$ ]]; then
    echo "netconfd peer stop: $file holds \"$pid\", not a pid; skipped" >&2
    return 0
  fi
  if ! pid_matches "$pid" "$text"; then
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    pid_matches "$pid" "$text" || return 0
    sleep 0.1
  done
  echo "netconfd peer stop: pid $pid did not exit 5 s after SIGTERM; sending SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

# sshd first, so no new session reaches netconfd while it shuts down.
stop_recorded "$state_dir/sshd.pid" "$state_dir/sshd_config"
stop_recorded "$state_dir/netconfd.pid" "--ncxserver-sockname=$state_dir/netconfd/ncxserver.sock"
rm -rf -- "$state_dir"
