#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds, starts a throwaway Kafka
# broker on a free loopback port, runs the unit and integration tests with Node's test
# runner, and stops the broker it started. Extra arguments go to `node --test`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-deps.sh
rm -rf dist
npx tsc -p tsconfig.json

state_dir="$PWD/.local/test-kafka"
cli="node dist/functions/cli/main.js"
stop_broker() { $cli local down --state-dir "$state_dir" || true; }
trap stop_broker EXIT

brokers_line=$($cli local up --port 0 --state-dir "$state_dir")
export ESC_BRIDGE_TEST_KAFKA_BROKERS="${brokers_line#export KAFKA_BROKERS=}"
echo "Test broker at $ESC_BRIDGE_TEST_KAFKA_BROKERS" >&2

# Only *.test.js files run, because dist/test also contains helpers and the benchmark.
mapfile -t test_files < <(find dist/test -name '*.test.js' | sort)
node --test "$@" "${test_files[@]}"
