#!/bin/bash
# ntcorr-job.sh JOB_ID INPUTS [OUTREL]
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
#   TRANSFER=1  no shared filesystem: HTCondor put the input, the model folder (and an ntcorr tarball)
#               in the scratch folder. The input is moved to ntcorr-in/OUTREL (its path below the base,
#               so random draws are keyed exactly as on a shared filesystem), corrected into ntcorr-out/,
#               verified, and only then moved to OUTNAME (the job's scratch output name, never an input's
#               name), which HTCondor sends back to <out-dir>/OUTREL (transfer_output_remaps). A failed job
#               leaves no file at the top of the scratch folder, so HTCondor copies nothing over anything.
set -u
job="${1:?usage: ntcorr-job.sh JOB_ID INPUTS}"
inputs="${2:?usage: ntcorr-job.sh JOB_ID INPUTS}"
outrel="${3:-}"

finish() {
  echo "ntcorr-job: job=${job} exit=$1"
  exit "$1"
}
log() { echo "[ntcorr-job ${job} $(date -u +%H:%M:%S)] $*"; }

if [ ! -r ./job.env ]; then
  echo "ntcorr-job: no job.env in $(pwd): run from the job folder, or list job.env in transfer_input_files" >&2
  finish 2
fi
BASE=()  # job folders written before --base existed have no BASE
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

# --base: outputs keep the inputs' paths below it and random draws are keyed on that path, exactly as
# one `ntcorr apply` over the whole batch would do (a job sees only its own files).
base=()
if [ "${#BASE[@]}" -gt 0 ]; then base=(--base "${BASE[0]}"); fi

outputs=()
if [ "$TRANSFER" = 1 ]; then
  [ "${#files[@]}" -eq 1 ] && [ -n "$outrel" ] || { echo "ntcorr-job: a transfer job takes one input and its OUTREL (got ${#files[@]} input(s), OUTREL '${outrel}')" >&2; finish 2; }
  case "/$outrel/" in */../*|*/./*) echo "ntcorr-job: OUTREL ${outrel} must be a path below the output folder" >&2; finish 2 ;; esac
  outname="ntcorr-out-${job}.${outrel##*.}"
  # Nothing may be sent back unless this job verified it (a leftover of an earlier attempt neither).
  rm -f "$outname"
  name="$(basename "${files[0]}")"
  mkdir -p "ntcorr-in/$(dirname "$outrel")" ntcorr-out
  mv "$name" "ntcorr-in/$outrel" || { echo "ntcorr-job: the transferred input $name is missing in $(pwd)" >&2; finish 2; }
  "${NTCORR[@]}" apply --quiet --model "$MODEL" --out-dir ntcorr-out --base ntcorr-in ${skip[@]+"${skip[@]}"} ${APPLY_ARGS[@]+"${APPLY_ARGS[@]}"} "ntcorr-in/$outrel"
  rc=$?
  produced="ntcorr-out/$outrel"
  if [ "$rc" -eq 0 ] && [ ! -e "$produced" ]; then
    # skipped by --skip-done: the input already carries this model's columns; it goes back as it is
    produced="ntcorr-in/$outrel"
  fi
  if [ "$rc" -ne 0 ]; then
    log "ntcorr apply failed with exit code $rc; nothing is sent back"
    finish "$rc"
  fi
  if ! "${NTCORR[@]}" condor verify --model "$MODEL" "$produced"; then
    log "output check failed; nothing is sent back"
    finish 3
  fi
  # Verified: only now does the file HTCondor sends back exist (same filesystem: mv is a rename).
  mv "$produced" "$outname" || finish 3
  log "done: $outname -> $outrel"
  finish 0
fi

if [ "$MODE" = in-place ]; then
  "${NTCORR[@]}" apply --quiet --model "$MODEL" --in-place ${base[@]+"${base[@]}"} ${skip[@]+"${skip[@]}"} ${APPLY_ARGS[@]+"${APPLY_ARGS[@]}"} "${files[@]}"
  rc=$?
  outputs=("${files[@]}")
else
  mkdir -p "${OUT_DIR[0]}"
  "${NTCORR[@]}" apply --quiet --model "$MODEL" --out-dir "${OUT_DIR[0]}" ${base[@]+"${base[@]}"} ${skip[@]+"${skip[@]}"} ${APPLY_ARGS[@]+"${APPLY_ARGS[@]}"} "${files[@]}"
  rc=$?
  for f in "${files[@]}"; do
    if [ "${#BASE[@]}" -gt 0 ]; then outputs+=("${OUT_DIR[0]}/${f#"${BASE[0]%/}"/}"); else outputs+=("${OUT_DIR[0]}/$(basename "$f")"); fi
  done
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
