#!/bin/bash
# ntcorr-job.sh JOB_ID INPUTS
#
# The HTCondor job wrapper written into every ntcorr job folder. It runs `ntcorr apply` on the job's
# input files (INPUTS: comma-separated paths), checks that every output exists and carries this model's
# provenance (`ntcorr condor verify`), and exits non-zero if anything failed, so HTCondor's max_retries
# and `ntcorr condor status/resubmit` see failures. Its last stdout line is always
#   ntcorr-job: job=<id> exit=<code>
# which `ntcorr condor status` reads from logs/job-<id>.out.
#
# Settings come from ./job.env (next to this script in the job folder; transferred with the job when
# there is no shared filesystem). Works in two layouts:
#   TRANSFER=0  shared filesystem: inputs, model and output folder are read/written in place.
#   TRANSFER=1  no shared filesystem: HTCondor put the inputs, the model folder (and an ntcorr tarball)
#               in the scratch folder; the output is left there under the input's name and HTCondor
#               sends it back (transfer_output_files / transfer_output_remaps in the submit file).
set -u
job="${1:?usage: ntcorr-job.sh JOB_ID INPUTS}"
inputs="${2:?usage: ntcorr-job.sh JOB_ID INPUTS}"

finish() {
  echo "ntcorr-job: job=${job} exit=$1"
  exit "$1"
}
log() { echo "[ntcorr-job ${job} $(date -u +%H:%M:%S)] $*"; }

if [ ! -r ./job.env ]; then
  echo "ntcorr-job: no job.env in $(pwd): run from the job folder, or list job.env in transfer_input_files" >&2
  finish 2
fi
# shellcheck source=/dev/null
source ./job.env

if [ "${#SETUP[@]}" -gt 0 ]; then
  log "setup: ${SETUP[0]}"
  eval "${SETUP[0]}" || { echo "ntcorr-job: setup line failed: ${SETUP[0]}" >&2; finish 2; }
fi

# How to run ntcorr here: NTCORR_CMD from the job's environment, else an unpacked tarball, else job.env.
if [ -n "${NTCORR_CMD:-}" ]; then
  read -r -a NTCORR <<< "$NTCORR_CMD"
elif [ "${#NTCORR_TARBALL[@]}" -gt 0 ]; then
  mkdir -p ntcorr-sw && tar -xzf "${NTCORR_TARBALL[0]}" -C ntcorr-sw || { echo "ntcorr-job: cannot unpack ${NTCORR_TARBALL[0]}" >&2; finish 2; }
  launcher=$(ls ntcorr-sw/bin/ntcorr.js ntcorr-sw/*/bin/ntcorr.js 2>/dev/null | head -n 1)
  [ -n "$launcher" ] || { echo "ntcorr-job: ${NTCORR_TARBALL[0]} has no bin/ntcorr.js" >&2; finish 2; }
  NTCORR=(node "$launcher")
fi
if ! command -v "${NTCORR[0]}" > /dev/null 2>&1; then
  echo "ntcorr-job: cannot run ${NTCORR[0]} on $(hostname): install ntcorr on a shared filesystem, ship a tarball (--tarball), or set SETUP/NTCORR in job.env" >&2
  finish 2
fi

IFS=',' read -r -a files <<< "$inputs"
# --skip-done makes reruns idempotent: a retried job skips the files an earlier attempt finished.
skip=(--skip-done)
for a in ${APPLY_ARGS[@]+"${APPLY_ARGS[@]}"}; do [ "$a" = --force ] && skip=(); done
log "${#files[@]} file(s), model ${MODEL}, mode ${MODE}, transfer ${TRANSFER}, host $(hostname)"
log "ntcorr: ${NTCORR[*]}"

outputs=()
if [ "$TRANSFER" = 1 ]; then
  # HTCondor placed each input here under its basename; write to a sub-folder, then put each output
  # where HTCondor expects it (the input's name), replacing the input copy.
  local_inputs=()
  for f in "${files[@]}"; do local_inputs+=("$(basename "$f")"); done
  mkdir -p ntcorr-out
  "${NTCORR[@]}" apply --quiet --model "$MODEL" --out-dir ntcorr-out ${skip[@]+"${skip[@]}"} ${APPLY_ARGS[@]+"${APPLY_ARGS[@]}"} "${local_inputs[@]}"
  rc=$?
  for f in "${local_inputs[@]}"; do
    if [ -s "ntcorr-out/$f" ]; then
      rm -f "$f" && mv "ntcorr-out/$f" "$f"
    elif [ "$rc" -eq 0 ]; then
      : # skipped by --skip-done: the input already carries this model's columns; it goes back as it is
    else
      # HTCondor holds a job whose transfer_output_files are missing; an empty file instead lets the
      # exit code (and max_retries) decide, and `ntcorr condor status` reports it as failed.
      rm -f "$f" && : > "$f"
    fi
    outputs+=("$f")
  done
else
  if [ "$MODE" = in-place ]; then
    "${NTCORR[@]}" apply --quiet --model "$MODEL" --in-place ${skip[@]+"${skip[@]}"} ${APPLY_ARGS[@]+"${APPLY_ARGS[@]}"} "${files[@]}"
    rc=$?
    outputs=("${files[@]}")
  else
    mkdir -p "${OUT_DIR[0]}"
    "${NTCORR[@]}" apply --quiet --model "$MODEL" --out-dir "${OUT_DIR[0]}" ${skip[@]+"${skip[@]}"} ${APPLY_ARGS[@]+"${APPLY_ARGS[@]}"} "${files[@]}"
    rc=$?
    for f in "${files[@]}"; do outputs+=("${OUT_DIR[0]}/$(basename "$f")"); done
  fi
fi

if [ "$rc" -ne 0 ]; then
  log "ntcorr apply failed with exit code $rc"
  finish "$rc"
fi
if ! "${NTCORR[@]}" condor verify --model "$MODEL" "${outputs[@]}"; then
  log "output check failed"
  finish 3
fi
log "done"
finish 0
