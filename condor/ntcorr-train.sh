#!/bin/bash
# ntcorr-train.sh: the DAG node that trains the model once (`ntcorr train flow`), before the apply jobs.
# Settings from ./train.env (written by `ntcorr condor dag`). Last stdout line: ntcorr-train: exit=<code>.
set -u
finish() { echo "ntcorr-train: exit=$1"; exit "$1"; }
[ -r ./train.env ] || { echo "ntcorr-train: no train.env in $(pwd)" >&2; finish 2; }
# shellcheck source=/dev/null
source ./train.env
if [ "${#SETUP[@]}" -gt 0 ]; then eval "${SETUP[0]}" || finish 2; fi
if [ -n "${NTCORR_CMD:-}" ]; then read -r -a NTCORR <<< "$NTCORR_CMD"; fi
# The config's paths (data, mc, output) are relative to the folder `ntcorr condor dag` ran in.
cd "${WORKDIR[0]}" || { echo "ntcorr-train: cannot cd to ${WORKDIR[0]}" >&2; finish 2; }
echo "[ntcorr-train $(date -u +%H:%M:%S)] config ${CONFIG}, bundle ${BUNDLE}, in $(pwd), host $(hostname)"
# --resume: a retried node (DAGMan RETRY, or an evicted job) continues from the last epoch's checkpoint.
resume=()
[ -f "$BUNDLE/model.json" ] || [ ! -d "$BUNDLE" ] || resume=(--resume)
"${NTCORR[@]}" train flow --config "$CONFIG" --quiet ${resume[@]+"${resume[@]}"} ${TRAIN_ARGS[@]+"${TRAIN_ARGS[@]}"}
rc=$?
if [ "$rc" -eq 0 ] && [ ! -f "$BUNDLE/model.json" ]; then
  echo "ntcorr-train: training exited 0 but $BUNDLE/model.json is missing" >&2
  rc=3
fi
finish "$rc"
