/**
 * ntcorr's programmatic API (the package entry): the iminuit-shaped minimiser front end. The CLI lives in
 * cli/main.ts; everything else is internal and may change.
 */
export { Minuit, ParamMap, Covariance, type CostFunction, type FMin, type MError, type MinuitOptions } from './fit/api/minuit.js';
