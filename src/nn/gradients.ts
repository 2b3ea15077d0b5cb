// tfjs-core alone registers no gradient functions (the umbrella @tensorflow/tfjs package does). Training
// code imports this module once for its side effect; see scripts/vendor-tfjs-gradients.sh for the bundle.
// The path works from src/nn (tsx) and from dist/nn (compiled): both sit two levels below the root.
import '../../vendor/tfjs-gradients.mjs';
