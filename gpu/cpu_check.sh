#!/usr/bin/env bash
# gpu/run.sh on this machine's CPU, as the lent GPU machine would run it, at tiny settings (a few
# minutes on 2 cores): the packages that machine lacks cannot be imported
# (gpu/without_django/sitecustomize.py) and the wheels in .whl are installed as there.
set -euo pipefail
export OUT=${OUT:-var/gpu-check} PYTHON=${PYTHON:-.venv/bin/python} TINY=1
export COHORT=/tmp/nr-cohort-tiny PYTHONPATH=gpu/without_django
rm -rf "$OUT" /tmp/nr-models "$COHORT"
bash gpu/run.sh
ls -l "$OUT"
