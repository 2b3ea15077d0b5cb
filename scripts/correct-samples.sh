#!/bin/bash
# correct-samples.sh: run `ntcorr apply` over many samples, one folder per physics process, the way the
# original analyses' shell drivers did (Zee, Zmmg, Hgg, ...), with one log per sample and a summary.
#
#   scripts/correct-samples.sh -m MODEL -i INPUT_ROOT -o OUTPUT_ROOT [options] [-- more ntcorr apply options]
#
#   -m MODEL        model bundle folder (e.g. models/zee-flow)
#   -i INPUT_ROOT   folder with one sub-folder per sample: INPUT_ROOT/Zee/*.parquet, INPUT_ROOT/Hgg/*.root, ...
#   -o OUTPUT_ROOT  corrected files go to OUTPUT_ROOT/<sample>/ (same file names)
#   --in-place      correct the input files themselves instead (no -o)
#   -s "Zee Hgg"    only these samples, in this order (default: every sub-folder holding .parquet/.root files)
#   -j K            files corrected at the same time within a sample (ntcorr apply --jobs K; default 1)
#   -l LOG_DIR      per-sample logs (default: OUTPUT_ROOT/logs, or INPUT_ROOT/logs with --in-place)
#   -n              dry run: print the commands only
#   NTCORR          environment variable: the command that runs ntcorr (default: ntcorr on PATH)
#
# Every sample runs even if an earlier one failed. Exit status: 0 if every sample succeeded, 1 otherwise
# (a failed sample is listed with the last line of its log). ntcorr apply itself fails bad files alone,
# so one truncated file fails its sample but the other files of the sample are still corrected.
set -u -o pipefail

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

model='' in_root='' out_root='' in_place=0 samples='' jobs=1 log_dir='' dry=0
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    -m) model="${2:?-m needs a model folder}"; shift 2 ;;
    -i) in_root="${2:?-i needs a folder}"; shift 2 ;;
    -o) out_root="${2:?-o needs a folder}"; shift 2 ;;
    --in-place) in_place=1; shift ;;
    -s) samples="${2:?-s needs sample names}"; shift 2 ;;
    -j) jobs="${2:?-j needs a number}"; shift 2 ;;
    -l) log_dir="${2:?-l needs a folder}"; shift 2 ;;
    -n) dry=1; shift ;;
    -h|--help) usage 0 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "correct-samples.sh: unknown option $1" >&2; usage ;;
  esac
done
[ -n "$model" ] && [ -n "$in_root" ] || { echo "correct-samples.sh: -m MODEL and -i INPUT_ROOT are required" >&2; usage; }
[ -f "$model/model.json" ] || { echo "correct-samples.sh: $model is not a model bundle (no model.json)" >&2; exit 2; }
[ -d "$in_root" ] || { echo "correct-samples.sh: input folder $in_root does not exist" >&2; exit 2; }
if [ "$in_place" = 1 ]; then
  [ -z "$out_root" ] || { echo "correct-samples.sh: -o and --in-place exclude each other" >&2; exit 2; }
  log_dir="${log_dir:-$in_root/logs}"
else
  [ -n "$out_root" ] || { echo "correct-samples.sh: give -o OUTPUT_ROOT or --in-place" >&2; exit 2; }
  log_dir="${log_dir:-$out_root/logs}"
fi
read -r -a ntcorr <<< "${NTCORR:-ntcorr}"
command -v "${ntcorr[0]}" > /dev/null || { echo "correct-samples.sh: ${ntcorr[0]} not found; install ntcorr or set NTCORR" >&2; exit 2; }
mkdir -p "$log_dir"

ntuples_in() { find "$1" -maxdepth 1 -type f \( -name '*.parquet' -o -name '*.root' \) | sort; }

explicit=1
if [ -z "$samples" ]; then
  explicit=0
  for d in "$in_root"/*/; do
    d="${d%/}"
    [ -n "$(ntuples_in "$d")" ] && samples="$samples $(basename "$d")"
  done
fi
read -r -a sample_list <<< "$samples"
[ "${#sample_list[@]}" -gt 0 ] || { echo "correct-samples.sh: no sample folders with .parquet/.root files in $in_root" >&2; exit 2; }

stamp() { date -u +%Y-%m-%dT%H:%M:%SZ; }
echo "[$(stamp)] ${#sample_list[@]} sample(s): ${sample_list[*]}; model $model; logs in $log_dir"
summary=()
failed=0
for s in "${sample_list[@]}"; do
  log="$log_dir/$s.log"
  mapfile -t files < <(ntuples_in "$in_root/$s" 2>/dev/null)
  if [ "${#files[@]}" -eq 0 ]; then
    # Asked for by name but empty or missing: that is a failure; found by the folder scan: never listed.
    summary+=("$(printf '%-16s %6s  %-7s %7s  %s' "$s" 0 FAILED - "no .parquet/.root files in $in_root/$s")")
    [ "$explicit" = 1 ] && failed=$((failed + 1))
    continue
  fi
  if [ "$in_place" = 1 ]; then where=(--in-place); else where=(--out-dir "$out_root/$s"); fi
  cmd=("${ntcorr[@]}" apply --quiet --model "$model" "${where[@]}" --jobs "$jobs" ${extra[@]+"${extra[@]}"} "${files[@]}")
  if [ "$dry" = 1 ]; then printf '%q ' "${cmd[@]}"; echo; continue; fi
  echo "[$(stamp)] $s: ${#files[@]} file(s) -> ${where[*]}  (log $log)"
  t0=$(date +%s)
  { echo "# $(stamp) $s"; printf '%q ' "${cmd[@]}"; echo; } > "$log"
  "${cmd[@]}" >> "$log" 2>&1
  rc=$?
  dt=$(( $(date +%s) - t0 ))
  if [ "$rc" -eq 0 ]; then
    summary+=("$(printf '%-16s %6s  %-7s %6ss  %s' "$s" "${#files[@]}" ok "$dt" "$log")")
  else
    failed=$((failed + 1))
    last=$(grep -v '^\s*$' "$log" | grep -i -m1 -E 'fail|error|cannot|not ' || tail -n 1 "$log")
    summary+=("$(printf '%-16s %6s  %-7s %6ss  %s: %s' "$s" "${#files[@]}" FAILED "$dt" "$log" "$last")")
  fi
done
[ "$dry" = 1 ] && exit 0

echo
printf '%-16s %6s  %-7s %7s  %s\n' sample files status time log
for line in "${summary[@]}"; do echo "$line"; done
echo "[$(stamp)] $(( ${#sample_list[@]} - failed )) of ${#sample_list[@]} sample(s) ok, $failed failed"
[ "$failed" -eq 0 ]
