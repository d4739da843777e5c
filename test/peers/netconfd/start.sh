#!/usr/bin/env bash
# Starts a third-party NETCONF server for interoperability tests: Debian's netconfd (yuma123)
# behind a dedicated OpenSSH sshd that listens on 127.0.0.1 only and runs netconfd's
# `netconf-subsystem` for the `netconf` subsystem.
#
# Usage: start.sh STATE_DIR [PORT]
#   STATE_DIR  absolute path; created if missing. Keys, configs, logs and pid files live there.
#   PORT       TCP port of sshd on 127.0.0.1; 0 or empty picks a free port.
#
# Prints the path of STATE_DIR/peer.json, which contains host, port, user, password, the client
# key path, the sshd host key's SHA-256 fingerprint (as `ssh-keygen -lf` prints it) and the
# pids. Running it again on a running STATE_DIR prints the same file and starts nothing.
# Stop with stop.sh STATE_DIR.
#
# Needs root: it creates the unprivileged test user (NETCONFD_PEER_USER, default escnctest)
# if missing, runs netconfd as that user and starts sshd. It installs nothing: the Debian
# packages come from scripts/ensure-deps.sh.
set -euo pipefail

readonly HOST=127.0.0.1
readonly TEST_USER=${NETCONFD_PEER_USER:-escnctest}
readonly PASSWORD_FILE_NAME=.netconfd-peer-password
readonly MARKER_NAME=.netconfd-peer

die() {
  echo "netconfd peer start: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 STATE_DIR [PORT]   (PORT 0 or empty picks a free port)" >&2
  exit 2
}

[ $# -ge 1 ] && [ $# -le 2 ] || usage
state_dir=$1
requested_port=${2:-0}

case $state_dir in
  /*) ;;
  *) die "STATE_DIR must be an absolute path, got \"$state_dir\"" ;;
esac
[[ $state_dir =~ ^[A-Za-z0-9_./-]+$ ]] || die "STATE_DIR \"$state_dir\" may contain only letters, digits and _ . / -, because it ends up in sshd and JSON files"
[[ $requested_port =~ ^[0-9]+$ ]] || die "PORT must be a number, got \"$requested_port\""
if [ "$requested_port" != 0 ] && { [ "$requested_port" -lt 1024 ] || [ "$requested_port" -gt 65535 ]; }; then
  die "PORT must be 0 (pick a free port) or from 1024 to 65535, got $requested_port"
fi
[[ $TEST_USER =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || die "NETCONFD_PEER_USER must be a plain user name (lower-case letters, digits, _ and -), got \"$TEST_USER\""
[ "$(id -u)" = 0 ] || die "must run as root, because it creates the test user $TEST_USER, runs netconfd as that user and starts sshd"

# Binaries and the Debian package that ships each of them.
require_binary() {
  [ -x "$1" ] || die "$1 not found: install the Debian package $2 (scripts/ensure-deps.sh installs it when run as root)"
}
require_binary /usr/sbin/netconfd netconfd
require_binary /usr/sbin/netconf-subsystem netconfd
require_binary /usr/sbin/sshd openssh-server
require_binary /usr/bin/ssh-keygen openssh-client
require_binary /usr/bin/setpriv util-linux
require_binary /usr/bin/flock util-linux
require_binary /usr/sbin/useradd passwd
require_binary /usr/sbin/chpasswd passwd

install -d -m 755 "$state_dir"
readonly netconfd_dir=$state_dir/netconfd
readonly socket_path=$netconfd_dir/ncxserver.sock
readonly sshd_config=$state_dir/sshd_config
readonly host_key=$state_dir/ssh_host_ed25519_key
readonly client_key=$state_dir/client_ed25519
readonly info_file=$state_dir/peer.json

# Two runs on the same STATE_DIR wait for each other instead of starting two servers.
exec 9>"$state_dir/.lock"
flock 9
echo "netconfd peer for esc-kafka-bridge tests; stop.sh removes this directory" > "$state_dir/$MARKER_NAME"

# Succeeds when the pid in FILE is a live, non-zombie process whose command line contains TEXT.
pid_matches() {
  local file=$1 text=$2 pid state
  [ -s "$file" ] || return 1
  pid=$(cat "$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$text"
}

# Stops the process in FILE if its command line contains TEXT, then removes FILE.
stop_recorded() {
  local file=$1 text=$2 pid
  if pid_matches "$file" "$text"; then
    pid=$(cat "$file")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      pid_matches "$file" "$text" || break
      sleep 0.1
    done
    if pid_matches "$file" "$text"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

sshd_running() { pid_matches "$state_dir/sshd.pid" "$sshd_config"; }
netconfd_running() { pid_matches "$state_dir/netconfd.pid" "--ncxserver-sockname=$socket_path"; }

if sshd_running && netconfd_running && [ -s "$info_file" ]; then
  running_port=$(sed -n 's/^ *"port": \([0-9]*\),$/\1/p' "$info_file")
  if [ "$requested_port" != 0 ] && [ "$requested_port" != "$running_port" ]; then
    die "a peer already runs in $state_dir on port $running_port; stop it with stop.sh before asking for port $requested_port"
  fi
  echo "$info_file"
  exit 0
fi
# A half-running peer (one process died) is restarted as a whole.
stop_recorded "$state_dir/sshd.pid" "$sshd_config"
stop_recorded "$state_dir/netconfd.pid" "--ncxserver-sockname=$socket_path"
rm -f "$info_file"

# --- test user ------------------------------------------------------------------------------
if ! id "$TEST_USER" >/dev/null 2>&1; then
  # sshd runs the subsystem command through the login shell, so the shell must be a real one.
  useradd --create-home --shell /bin/bash --comment "NETCONF interoperability tests" "$TEST_USER"
fi
user_home=$(getent passwd "$TEST_USER" | cut -d: -f6)
user_shell=$(getent passwd "$TEST_USER" | cut -d: -f7)
case $user_shell in
  */nologin | */false | "") die "user $TEST_USER has login shell \"$user_shell\"; sshd runs the netconf subsystem through it, so give it /bin/bash or set NETCONFD_PEER_USER to another user" ;;
esac
[ "$(id -u "$TEST_USER")" != 0 ] || die "NETCONFD_PEER_USER must be an unprivileged user, got $TEST_USER"
[ -d "$user_home" ] || die "home directory $user_home of user $TEST_USER does not exist"

# The password is kept root-readable in the user's home, so that peers in several state
# directories share it instead of overwriting each other's.
password_file=$user_home/$PASSWORD_FILE_NAME
if [ ! -s "$password_file" ]; then
  (umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' '-_' > "$password_file")
fi
chown root:root "$password_file"
chmod 600 "$password_file"
password=$(cat "$password_file")
echo "$TEST_USER:$password" | chpasswd

# --- keys -----------------------------------------------------------------------------------
[ -f "$host_key" ] || ssh-keygen -q -t ed25519 -N '' -C "netconfd-peer-host" -f "$host_key"
[ -f "$client_key" ] || ssh-keygen -q -t ed25519 -N '' -C "$TEST_USER@netconfd-peer" -f "$client_key"
install -m 644 "$client_key.pub" "$state_dir/authorized_keys"
host_fingerprint=$(ssh-keygen -lf "$host_key.pub" | awk '{ print $2 }')
host_public_key=$(awk '{ print $1 " " $2 }' "$host_key.pub")

# --- netconfd files, owned by the test user -------------------------------------------------
install -d -m 755 -o "$TEST_USER" -g "$TEST_USER" "$netconfd_dir" "$netconfd_dir/home"
if [ ! -s "$netconfd_dir/startup-cfg.xml" ]; then
  # netconfd exits at start-up when the --startup file does not exist.
  echo '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>' > "$netconfd_dir/startup-cfg.xml"
fi
chown "$TEST_USER:$TEST_USER" "$netconfd_dir/startup-cfg.xml"
setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups -- test -w "$netconfd_dir" \
  || die "user $TEST_USER cannot write $netconfd_dir; every parent directory of $state_dir must be searchable by other users (mode o+x)"

# --- port -----------------------------------------------------------------------------------
# Ports with a listening TCP socket, in hex, from /proc (no dependency on ss or netstat).
listening_ports() {
  awk 'FNR > 1 && $4 == "0A" { split($2, local, ":"); print local[2] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u
}

# Picks a port from 20000 to 32767, below Linux's default ephemeral range, that no socket listens on.
pick_free_port() {
  local busy candidate hex
  busy=$(listening_ports)
  for _ in $(seq 1 100); do
    candidate=$((20000 + RANDOM % 12768))
    printf -v hex '%04X' "$candidate"
    if ! grep -qx "$hex" <<< "$busy"; then
      echo "$candidate"
      return 0
    fi
  done
  die "found no free TCP port from 20000 to 32767 after 100 tries; pass a PORT"
}

# Succeeds when 127.0.0.1:PORT has a listening TCP socket.
loopback_port_listening() {
  local hex
  printf -v hex '0100007F:%04X' "$1"
  awk -v address="$hex" 'FNR > 1 && $2 == address && $4 == "0A" { found = 1 } END { exit !found }' /proc/net/tcp
}

# Prints every listening TCP address of process PID that is not a loopback address.
non_loopback_listeners() {
  local inodes
  inodes=$(find "/proc/$1/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null | sed 's/^socket:\[\([0-9]*\)\]$/\1/' | tr '\n' ' ')
  awk -v inodes="$inodes" '
    BEGIN { n = split(inodes, list, " "); for (i = 1; i <= n; i++) owned[list[i]] = 1 }
    FNR > 1 && $4 == "0A" && ($10 in owned) {
      split($2, local, ":")
      if (local[1] != "0100007F" && local[1] != "00000000000000000000000001000000") print $2
    }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# Runs a command in the background, detached from the caller: in a new session, with every
# file descriptor above 2 closed, so it keeps neither this script's lock nor a pipe of the
# caller open. In a script without job control the background child is no process group
# leader, so setsid execs in place and $! is the command's own pid.
start_detached() {
  (
    for fd_path in /proc/$BASHPID/fd/*; do
      fd=${fd_path##*/}
      if [ "$fd" -gt 2 ]; then
        eval "exec $fd>&-"
      fi
    done
    exec setsid "$@"
  ) &
}

write_sshd_config() {
  cat > "$sshd_config" <<EOF
# sshd for the netconfd test peer; written by start.sh on every start.
Port $1
ListenAddress $HOST
AddressFamily inet
HostKey $host_key
PidFile none
AllowUsers $TEST_USER
PermitRootLogin no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitEmptyPasswords no
AuthorizedKeysFile $state_dir/authorized_keys
# The state directory may sit under /tmp (mode 1777), which StrictModes rejects as a parent of
# AuthorizedKeysFile. The file is public-key data written by start.sh.
StrictModes no
# Without PAM, sshd checks the password against /etc/shadow itself, so no PAM session
# modules (logind, loginuid) are needed, which containers often lack.
UsePAM no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PermitTunnel no
PrintMotd no
LogLevel VERBOSE
# netconf-subsystem connects to the netconfd socket paired with the SSH port the client used.
Subsystem netconf "/usr/sbin/netconf-subsystem --ncxserver-sockname=$1@$socket_path"
EOF
}

# sshd needs its privilege separation directory. The ssh service creates it at start, and this
# sshd does not run as that service.
install -d -m 755 /run/sshd

port=""
attempts=1
[ "$requested_port" = 0 ] && attempts=5
for attempt in $(seq 1 "$attempts"); do
  if [ "$requested_port" = 0 ]; then
    candidate=$(pick_free_port)
  else
    candidate=$requested_port
    ! loopback_port_listening "$candidate" || die "127.0.0.1:$candidate is already in use; pass another PORT or 0"
  fi
  write_sshd_config "$candidate"
  /usr/sbin/sshd -t -f "$sshd_config" || die "sshd -t found $sshd_config invalid; see the message above"

  start_detached /usr/sbin/sshd -D -f "$sshd_config" -E "$state_dir/sshd.log" < /dev/null > /dev/null 2>&1
  echo $! > "$state_dir/sshd.pid"
  for _ in $(seq 1 50); do
    sshd_running || break
    loopback_port_listening "$candidate" && break
    sleep 0.1
  done
  if sshd_running && loopback_port_listening "$candidate"; then
    port=$candidate
    break
  fi
  stop_recorded "$state_dir/sshd.pid" "$sshd_config"
  echo "netconfd peer start: sshd did not listen on 127.0.0.1:$candidate (attempt $attempt of $attempts); last lines of $state_dir/sshd.log:" >&2
  tail -n 5 "$state_dir/sshd.log" >&2 || true
done
[ -n "$port" ] || die "sshd did not start; see $state_dir/sshd.log"

# --- netconfd -------------------------------------------------------------------------------
# A netconfd that crashed leaves its socket file behind, and a new one cannot bind it.
rm -f "$socket_path"
# netconfd drops sessions whose SSH port is not in --port, because netconf-subsystem passes
# the port from SSH_CONNECTION. --max-burst=0 removes the limit of 10 notifications per second.
# setpriv execs netconfd, so $! is netconfd's own pid. HOME and --home keep yuma's ~/.yuma
# files inside the state directory.
HOME="$netconfd_dir/home" USER="$TEST_USER" LOGNAME="$TEST_USER" \
  start_detached setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups -- \
  /usr/sbin/netconfd \
  --port="$port" \
  --ncxserver-sockname="$socket_path" \
  --superuser="$TEST_USER" \
  --target=running \
  --startup="$netconfd_dir/startup-cfg.xml" \
  --home="$netconfd_dir/home" \
  --log="$netconfd_dir/netconfd.log" \
  --log-level=info \
  --max-burst=0 \
  --eventlog-size=100 \
  < /dev/null > "$netconfd_dir/netconfd.out" 2>&1
echo $! > "$state_dir/netconfd.pid"
for _ in $(seq 1 100); do
  [ -S "$socket_path" ] && break
  netconfd_running || break
  sleep 0.1
done
if ! [ -S "$socket_path" ] || ! netconfd_running; then
  tail -n 20 "$netconfd_dir/netconfd.log" "$netconfd_dir/netconfd.out" >&2 || true
  stop_recorded "$state_dir/netconfd.pid" "--ncxserver-sockname=$socket_path"
  stop_recorded "$state_dir/sshd.pid" "$sshd_config"
  die "netconfd did not create its socket $socket_path within 10 s; see $netconfd_dir/netconfd.log"
fi

for pid_file in "$state_dir/sshd.pid" "$state_dir/netconfd.pid"; do
  exposed=$(non_loopback_listeners "$(cat "$pid_file")")
  if [ -n "$exposed" ]; then
    stop_recorded "$state_dir/netconfd.pid" "--ncxserver-sockname=$socket_path"
    stop_recorded "$state_dir/sshd.pid" "$sshd_config"
    die "pid $(cat "$pid_file" 2>/dev/null || echo '?') listened on a non-loopback address ($exposed, hex from /proc/net/tcp); stopped everything"
  fi
done

# --- connection details ---------------------------------------------------------------------
# Every value is either generated here or checked above to contain no JSON special characters.
cat > "$info_file.new" <<EOF
{
  "host": "$HOST",
  "port": $port,
  "user": "$TEST_USER",
  "password": "$password",
  "privateKeyPath": "$client_key",
  "hostKeyFingerprint": "$host_fingerprint",
  "hostPublicKey": "$host_public_key",
  "stateDir": "$state_dir",
  "pids": { "sshd": $(cat "$state_dir/sshd.pid"), "netconfd": $(cat "$state_dir/netconfd.pid") },
  "logs": { "sshd": "$state_dir/sshd.log", "netconfd": "$netconfd_dir/netconfd.log" }
}
EOF
chmod 600 "$info_file.new"
mv -f "$info_file.new" "$info_file"
echo "$info_file"
