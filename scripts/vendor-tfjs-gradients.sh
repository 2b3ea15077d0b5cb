#!/bin/sh
# Regenerates vendor/tfjs-gradients.mjs: tfjs-core's gradient registrations bundled into one ES module.
# Why: the npm tfjs-core CJS build registers no gradients, and its ESM dist/register_all_gradients.js uses
# extension-less imports that Node's ESM loader refuses. The bundle carries its own copy of the ops it
# uses; tfjs keeps the engine and the gradient registry on the global object, so both copies share them.
set -e
cd "$(dirname "$0")/.."
npx esbuild node_modules/@tensorflow/tfjs-core/dist/register_all_gradients.js --bundle --format=esm \
  --platform=node --legal-comments=inline --outfile=vendor/tfjs-gradients.mjs --log-level=warning
