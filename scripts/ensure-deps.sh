#!/usr/bin/env bash
# Installs what the build and the tests need and is missing: npm packages, Java 17 and
# Maven (for the local Kafka broker), and the peers the tests check the bridge against
# (Debian's python3-ncclient, python3-avro, netconfd and openssh-server). System packages
# are installed with apt-get when running as root; otherwise the script prints what to
# install.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund
fi

missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
/usr/bin/python3 -c 'import ncclient' >/dev/null 2>&1 || missing+=(python3-ncclient)
/usr/bin/python3 -c 'import avro' >/dev/null 2>&1 || missing+=(python3-avro)
# The NETCONF interoperability test runs Debian's netconfd behind OpenSSH's sshd.
[ -x /usr/sbin/netconfd ] && [ -x /usr/sbin/netconf-subsystem ] || missing+=(netconfd)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
[ -x /usr/bin/ssh-keygen ] || missing+=(openssh-client)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages: ${missing[*]}" >&2
    # Maintainer scripts must not start system services: openssh-server would start sshd on
    # 0.0.0.0:22. invoke-rc.d and deb-systemd-invoke skip a start when policy-rc.d exits 101.
    # An existing policy-rc.d is the administrator's and is left as it is.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
      chmod 755 /usr/sbin/policy-rc.d
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    echo "error: missing packages: ${missing[*]}. Install them (Debian/Ubuntu: sudo apt-get install ${missing[*]}) and run again." >&2
    exit 1
  fi
fi
