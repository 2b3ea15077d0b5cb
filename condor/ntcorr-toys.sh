#!/bin/bash
# ntcorr-toys.sh JOB_ID FIRST:COUNT
#
# The HTCondor job wrapper of an `ntcorr condor toys` job folder: runs toys FIRST .. FIRST+COUNT-1 of one
# study (toy i uses the random stream (seed, i), so the jobs together are exactly one run of all toys),
# and checks that its toys.parquet and summary.yaml (of exactly that toy range) were written.
# `ntcorr toys merge OUT_DIR/job-*` joins them. Its last stdout line is always
#   ntcorr-job: job=<id> exit=<code>
# (as ntcorr-job.sh), which `ntcorr condor status` reads. Settings come from ./job.env: NTCORR, SETUP,
# MODEL (the fitting model YAML), OUT_DIR, TRANSFER, APPLY_ARGS (here: the options of `ntcorr toys` every
# job gets). Two layouts:
#   TRANSFER=0  shared filesystem: the model files are read in place, the job writes OUT_DIR/job-<id>/.
#   TRANSFER=1  no shared filesystem: HTCondor put the model file(s), the fit result (and an ntcorr tarball)
#               in the scratch folder. The toys go to ntcorr-out/job-<id>/, are checked, and only then moved
#               to ntcorr-toys-<id>.parquet / ntcorr-toys-<id>.summary.yaml, which HTCondor sends back to
#               OUT_DIR/job-<id>/toys.parquet and summary.yaml (transfer_output_remaps). A failed job leaves
#               no file at the top of the scratch folder, so HTCondor copies nothing over anything.
set -u
job="${1:?usage: ntcorr-toys.sh JOB_ID FIRST:COUNT}"
range="${2:?usage: ntcorr-toys.sh JOB_ID FIRST:COUNT}"

finish() {
  echo "ntcorr-job: job=${job} exit=$1"
  exit "$1"
}
log() { echo "[ntcorr-toys ${job} $(date -u +%H:%M:%S)] $*"; }

if [ ! -r ./job.env ]; then
  echo "ntcorr-toys: no job.env in $(pwd): run from the job folder, or list job.env in transfer_input_files" >&2
  finish 2
fi
TRANSFER=0  # toys folders written before --transfer existed have no TRANSFER
NTCORR_TARBALL=()
# shellcheck source=/dev/null
source ./job.env

if [ "${#SETUP[@]}" -gt 0 ]; then
  log "setup: ${SETUP[0]}"
  eval "${SETUP[0]}" || { echo "ntcorr-toys: setup line failed: ${SETUP[0]}" >&2; finish 2; }
fi
# How to run ntcorr here: NTCORR_CMD from the job's environment, else an unpacked tarball, else job.env.
if [ -n "${NTCORR_CMD:-}" ]; then
  read -r -a NTCORR <<< "$NTCORR_CMD"
elif [ "${#NTCORR_TARBALL[@]}" -gt 0 ]; then
  mkdir -p ntcorr-sw && tar -xzf "${NTCORR_TARBALL[0]}" -C ntcorr-sw || { echo "ntcorr-toys: cannot unpack ${NTCORR_TARBALL[0]}" >&2; finish 2; }
  launcher=$(ls ntcorr-sw/bin/ntcorr.js ntcorr-sw/*/bin/ntcorr.js 2>/dev/null | head -n 1)
  [ -n "$launcher" ] || { echo "ntcorr-toys: ${NTCORR_TARBALL[0]} has no bin/ntcorr.js" >&2; finish 2; }
  NTCORR=(node "$launcher")
fi
if ! command -v "${NTCORR[0]}" > /dev/null 2>&1; then
  echo "ntcorr-toys: cannot run ${NTCORR[0]} on $(hostname): install ntcorr on a shared filesystem, ship a tarball (--tarball), or set SETUP/NTCORR in job.env" >&2
  finish 2
fi

first="${range%%:*}"
count="${range##*:}"
case "$first$count" in *[!0-9]*|'') echo "ntcorr-toys: bad toy range '${range}' (expected FIRST:COUNT)" >&2; finish 2 ;; esac
if [ "$TRANSFER" = 1 ]; then
  table="ntcorr-toys-${job}.parquet"
  summary="ntcorr-toys-${job}.summary.yaml"
  # Nothing may be sent back unless this job checked it (a leftover of an earlier attempt neither).
  rm -f "$table" "$summary"
  out="ntcorr-out/job-${job}"
else
  out="${OUT_DIR[0]}/job-${job}"
fi
log "toys ${first}..$((first + count - 1)), model ${MODEL}, into ${out}, transfer ${TRANSFER}, host $(hostname)"
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
# The summary must be of exactly this job's toys (condor status checks the same on the submit side).
if ! grep -qx "first_toy: ${first}" "$out/summary.yaml" || ! grep -qx "toys: ${count}" "$out/summary.yaml"; then
  log "$out/summary.yaml is not of toys ${first}..$((first + count - 1))"
  finish 3
fi
if [ "$TRANSFER" = 1 ]; then
  # Checked: only now do the files HTCondor sends back exist (same filesystem: mv is a rename).
  mv "$out/toys.parquet" "$table" && mv "$out/summary.yaml" "$summary" || { rm -f "$table" "$summary"; finish 3; }
  log "done: $table, $summary -> job-${job}/"
else
  log "done"
fi
finish 0
