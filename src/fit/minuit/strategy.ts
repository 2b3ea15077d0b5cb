/** Minuit's machine precision constants (MnMachinePrecision) and strategy settings (MnStrategy 0/1/2). */
export const EPS = 8 * Number.EPSILON * 0.5; // ~8.9e-16, as Minuit determines it for doubles
export const EPS2 = 2 * Math.sqrt(EPS);

export interface Strategy {
  level: 0 | 1 | 2;
  gradCycles: number;
  gradStepTol: number;
  gradTol: number;
  hessCycles: number;
  hessStepTol: number;
  hessG2Tol: number;
}

export function strategy(level: number): Strategy {
  if (level <= 0) return { level: 0, gradCycles: 2, gradStepTol: 0.5, gradTol: 0.1, hessCycles: 3, hessStepTol: 0.5, hessG2Tol: 0.1 };
  if (level === 1) return { level: 1, gradCycles: 3, gradStepTol: 0.3, gradTol: 0.05, hessCycles: 5, hessStepTol: 0.3, hessG2Tol: 0.05 };
  return { level: 2, gradCycles: 5, gradStepTol: 0.1, gradTol: 0.02, hessCycles: 7, hessStepTol: 0.1, hessG2Tol: 0.02 };
}
