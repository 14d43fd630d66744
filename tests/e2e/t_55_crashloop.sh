#!/usr/bin/env bash
# t_55_crashloop — the kill -9 crash loop of crashloop.sh, 5 cycles (make soak runs 50).
CYCLES=5 SEED=${SEED:-5555} exec bash "$(dirname "$0")/crashloop.sh"
