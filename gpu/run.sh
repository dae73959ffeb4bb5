#!/usr/bin/env bash
# Issue 18, point 2, in one run on a lent GPU, from the repository root: `bash gpu/run.sh`.
#   a. the flow engine's tests with their CUDA parity cases (pytest without Django: --noconftest)
#   b. the flow benchmark with the paper preset, one slice and one exam, against the compute bound
#   c. the key-modality analysis and Table I, as close to the paper's settings as the time allows
# Results land in $OUT as they come: run.log, parity.xml, bench.jsonl, key_modalities.json,
# acc_curves.json, table1.md (gpu/README.md says what each holds).
#
# The machine has torch but neither Django nor nibabel: the packages the path needs travel as
# wheels in .whl (carry it), installed into /tmp/site. Environment:
#   DEADLINE_S  seconds from the start by which c ends (default 450; the call's limit is 540)
#   PARTS       which parts (default "a b c"), e.g. PARTS=c DEADLINE_S=240 for a short rerun
#   NODE_SHARE  of c's time, what the NODEs may plan on first (default 0.6; they take all of it
#               when their share gives too few Adam updates); 1 leaves the U-Nets only the rest
#   ANALYSE_ARGS  more arguments for `paper_scale analyse` (e.g. "--node-batch 8")
#   TINY=1      the check on a CPU: tiny cohort, small preset, 2 stages, 1 epoch
#   PYTHON      the interpreter (default python3)
set -uo pipefail
start=$(date +%s)
: "${OUT:?OUT must name the folder for the results}"
PYTHON=${PYTHON:-python3}
PARTS=" ${PARTS:-a b c} "
DEADLINE_S=${DEADLINE_S:-450}
COHORT=${COHORT:-/tmp/nr-cohort}
export PYTHONUNBUFFERED=1
mkdir -p "$OUT"
exec > >(tee -a "$OUT/run.log") 2>&1
say() { echo "[$(($(date +%s) - start)) s] $*"; }

if [ -d .whl ]; then
    $PYTHON -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv 2>/dev/null
$PYTHON -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'

if [ -n "${TINY:-}" ]; then
    cohort_args=(--patients 4) cases=(--case slice-paper) analyse_args=(--tiny)
    bound_args=(--n 512 --batch 1 --preset small)
else
    cohort_args=() cases=(--case slice-paper --case exam-paper) analyse_args=() bound_args=()
fi
[ -n "${NODE_SHARE:-}" ] && analyse_args+=(--node-share "$NODE_SHARE")
# shellcheck disable=SC2206  # word splitting wanted: several arguments in one variable
[ -n "${ANALYSE_ARGS:-}" ] && analyse_args+=($ANALYSE_ARGS)

if [[ $PARTS == *" c "* ]]; then  # the cohort is CPU work: built while a and b use the GPU
    $PYTHON -m segmentation.research.paper_scale cohort --out "$COHORT" "${cohort_args[@]}" \
        >/tmp/nr-cohort.log 2>&1 &
    cohort_pid=$!
fi

if [[ $PARTS == *" a "* ]]; then
    say "a. flow engine tests, CUDA parity included"
    $PYTHON -m pytest tests/segmentation/engine/test_flow.py --noconftest -p no:django \
        -p no:asyncio -q -rfEs --junitxml="$OUT/parity.xml"
    say "a. pytest exit status $?"
fi

if [[ $PARTS == *" b "* ]]; then
    say "b. flow benchmark, paper preset: one slice, one exam"
    $PYTHON -m segmentation.research.bench "${cases[@]}" --batch-size 32 --threads 8 \
        | tee "$OUT/bench.jsonl"
    say "b. against the compute bound"
    $PYTHON -m segmentation.research.compute_bound --bench "$OUT/bench.jsonl" "${bound_args[@]}" \
        | tee -a "$OUT/bench.jsonl"
fi

if [[ $PARTS == *" c "* ]]; then
    wait "$cohort_pid"
    cohort_status=$?
    cat /tmp/nr-cohort.log
    [ "$cohort_status" = 0 ] || exit 1
    budget=$((start + DEADLINE_S - $(date +%s)))
    say "c. key-modality analysis and Table I in $budget s"
    $PYTHON -m segmentation.research.paper_scale analyse --data "$COHORT/brats" --out "$OUT" \
        --models /tmp/nr-models --budget-s "$budget" "${analyse_args[@]}"
    say "c. exit status $?"
fi
say "done"
