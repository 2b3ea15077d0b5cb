/** ntcorr expressions: `compileExpression("80 < mass < 100 and abs(probe_ScEta) < 1.4442")`. */
export { compileExpression, knownFunctions, type CompiledExpression } from './compile.js';
export { parse, type Node } from './parse.js';
export { compileSelection } from './selection.js';
