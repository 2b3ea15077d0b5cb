#!/bin/sh
# From the EOS files of a HiggsDNA flow (best_model_.pth + the four .npy files) to corrected parquet:
# the three commands of README "Using the CMS flows". Run from the ntcorr checkout.
#
#   examples/higgsdna/correct.sh /eos/.../flows/postEE 2022postEE 'ntuples/DYto2L/nominal/*.parquet' corrected/DYto2L/nominal
set -eu
FLOW_DIR=$1      # folder with best_model_.pth, input_means.npy, input_std.npy, conditions_means.npy, conditions_std.npy
ERA=$2           # HiggsDNA era name: picks the isolation shifts
INPUTS=$3        # HiggsDNA parquet files (Zee tag_/probe_, Zmmg photon_, or diphoton lead_/sublead_)
OUT=$4           # output folder (inputs are never modified; file names are kept)

ntcorr import-zuko "$FLOW_DIR/best_model_.pth" --zuko-version 1.0.1 --preprocessing "$FLOW_DIR" --era "$ERA" \
  --describe examples/higgsdna/photon-flow.yaml -o "models/cms-flow-$ERA"
ntcorr apply $INPUTS -m "models/cms-flow-$ERA" -o "$OUT"
ntcorr apply "$OUT"/*.parquet -m models/photon-mvaid-run3 --in-place   # mvaID from the corrected inputs
