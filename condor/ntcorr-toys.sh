#!/bin/bash
# ntcorr-toys.sh JOB_ID FIRST:COUNT
#
# The HTCondor job wrapper of an `ntcorr condor toys` job folder: runs toys FIRST .. FIRST+COUNT-1 of one
# study (toy i uses the random stream (seed, i), so the jobs together are exactly one run of all toys) into
# OUT_DIR/job-<id>/, and checks that its summary.yaml was written. `ntcorr toys merge OUT_DIR/job-*` joins
# them. Its last stdout line is always
#   ntcorr-job: job=<id> exit=<code>
# (as ntcorr-job.sh). Settings come from ./job.env: NTCORR, SETUP, MODEL (the fitting model YAML), OUT_DIR,
# APPLY_ARGS (here: the options of `ntcorr toys` every job gets). Shared filesystem only.
set -u
job="${1:?usage: ntcorr-toys.sh JOB_ID FIRST:COUNT}"
range="${2:?usage: ntcorr-toys.sh JOB_ID FIRST:COUNT}"

finish() {
  echo "ntcorr-job: job=${job} exit=$1"
  exit "$1"
}
log() { echo "[ntcorr-toys ${job} $(date -u +%H:%M:%S)] $*"; }

if [ ! -r ./job.env ]; then
  echo "ntcorr-toys: no job.env in $(pwd): run from the job folder" >&2
  finish 2
fi
# shellcheck source=/dev/null
source ./job.env

if [ "${#SETUP[@]}" -gt 0 ]; then
  log "setup: ${SETUP[0]}"
  eval "${SETUP[0]}" || { echo "ntcorr-toys: setup line failed: ${SETUP[0]}" >&2; finish 2; }
fi
if [ -n "${NTCORR_CMD:-}" ]; then
  read -r -a NTCORR <<< "$NTCORR_CMD"
fi
if ! command -v "${NTCORR[0]}" > /dev/null 2>&1; then
  echo "ntcorr-toys: cannot run ${NTCORR[0]} on $(hostname): install ntcorr on a shared filesystem, or set SETUP/NTCORR in job.env" >&2
  finish 2
fi

first="${range%%:*}"
count="${range##*:}"
case "$first$count" in *[!0-9]*|'') echo "ntcorr-toys: bad toy range '${range}' (expected FIRST:COUNT)" >&2; finish 2 ;; esac
out="${OUT_DIR[0]}/job-${job}"
log "toys ${first}..$((first + count - 1)), model ${MODEL}, into ${out}, host $(hostname)"
"${NTCORR[@]}" toys --quiet --no-plots --model "$MODEL" --first-toy "$first" -N "$count" --out "$out" ${APPLY_ARGS[@]+"${APPLY_ARGS[@]}"}
rc=$?
if [ "$rc" -ne 0 ]; then
  log "ntcorr toys failed with exit code $rc"
  finish "$rc"
fi
if [ ! -s "$out/summary.yaml" ] || [ ! -s "$out/toys.parquet" ]; then
  log "no summary.yaml/toys.parquet in $out"
  finish 3
fi
log "done"
finish 0
