/**
 * Compiles an expression (see parse.ts for the grammar) into one JS loop over column arrays.
 *
 * Hand-written rather than handed to DuckDB: the same expression must run on ROOT chunks read by jsroot,
 * on per-chunk arrays inside `apply`, in training selections and fits — places with no SQL engine and
 * where a round trip through DuckDB per chunk would cost more than the arithmetic. The parsed tree is
 * turned into JS source (only our own tokens reach it: numbers are re-printed, columns become array
 * indices) and compiled once with `new Function`, so V8 runs a tight typed-array loop.
 *
 * Semantics are float64 JS arithmetic (IEEE: x/0 = inf, log(-1) = NaN), comparisons with NaN are false (except !=),
 * a number is "true" when it is neither 0 nor NaN, booleans become 1/0 in numeric context.
 */
import { NtcorrError } from '../core/errors.js';
import { isJagged, toFloat64, type Column, type NumericArray } from '../core/columns.js';
import { exprError, parse, type Node } from './parse.js';

type WritableArray = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array;

export interface CompiledExpression {
  readonly source: string;
  /** Columns the expression reads, in order of first use. */
  readonly columns: string[];
  /** True when the top-level result is a condition (comparison, and/or/not, isfinite). */
  readonly isCondition: boolean;
  /** Evaluates rows [0, rows) to float64 (conditions give 1/0); `out` may be any numeric array to fill instead. */
  evalFloat<T extends WritableArray = Float64Array>(cols: Map<string, Column>, rows: number, out?: T): T;
  /** Evaluates rows [0, rows) as a selection: 1 where the value is true (non-zero, not NaN). */
  evalMask(cols: Map<string, Column>, rows: number, out?: Uint8Array): Uint8Array;
  /** Names from `columns` that are not in `available`. */
  missing(available: Iterable<string>): string[];
}

interface Code { js: string; bool: boolean }

const CONSTANTS: Record<string, string> = {
  pi: String(Math.PI), inf: 'Infinity', nan: 'NaN', true: 'true', false: 'false',
};

/** name -> [min args, max args, JS builder]; builders receive numeric JS code of each argument. */
const FUNCTIONS: Record<string, [number, number, (a: string[]) => string]> = {
  abs: [1, 1, (a) => `Math.abs(${a[0]})`],
  sqrt: [1, 1, (a) => `Math.sqrt(${a[0]})`],
  exp: [1, 1, (a) => `Math.exp(${a[0]})`],
  log: [1, 1, (a) => `Math.log(${a[0]})`],
  log10: [1, 1, (a) => `Math.log10(${a[0]})`],
  log2: [1, 1, (a) => `Math.log2(${a[0]})`],
  log1p: [1, 1, (a) => `Math.log1p(${a[0]})`],
  sin: [1, 1, (a) => `Math.sin(${a[0]})`],
  cos: [1, 1, (a) => `Math.cos(${a[0]})`],
  tan: [1, 1, (a) => `Math.tan(${a[0]})`],
  asin: [1, 1, (a) => `Math.asin(${a[0]})`],
  acos: [1, 1, (a) => `Math.acos(${a[0]})`],
  atan: [1, 1, (a) => `Math.atan(${a[0]})`],
  sinh: [1, 1, (a) => `Math.sinh(${a[0]})`],
  cosh: [1, 1, (a) => `Math.cosh(${a[0]})`],
  tanh: [1, 1, (a) => `Math.tanh(${a[0]})`],
  asinh: [1, 1, (a) => `Math.asinh(${a[0]})`],
  acosh: [1, 1, (a) => `Math.acosh(${a[0]})`],
  atanh: [1, 1, (a) => `Math.atanh(${a[0]})`],
  atan2: [2, 2, (a) => `Math.atan2(${a[0]}, ${a[1]})`],
  pow: [2, 2, (a) => `Math.pow(${a[0]}, ${a[1]})`],
  hypot: [2, 8, (a) => `Math.hypot(${a.join(', ')})`],
  min: [2, 16, (a) => `Math.min(${a.join(', ')})`],
  max: [2, 16, (a) => `Math.max(${a.join(', ')})`],
  floor: [1, 1, (a) => `Math.floor(${a[0]})`],
  ceil: [1, 1, (a) => `Math.ceil(${a[0]})`],
  round: [1, 1, (a) => `Math.round(${a[0]})`],
  sign: [1, 1, (a) => `Math.sign(${a[0]})`],
};

/** Functions with boolean arguments or results are handled in the code generator. */
const SPECIAL = new Set(['where', 'if', 'isfinite', 'isnan']);

export function knownFunctions(): string[] {
  return [...Object.keys(FUNCTIONS), ...SPECIAL].sort();
}

function generate(src: string, root: Node, colIndex: Map<string, number>): Code {
  const num = (c: Code) => (c.bool ? `(${c.js} ? 1 : 0)` : c.js);
  const bool = (c: Code) => (c.bool ? c.js : `!!(${c.js})`);
  const col = (name: string) => {
    if (!colIndex.has(name)) colIndex.set(name, colIndex.size);
    return `c${colIndex.get(name)}[i]`;
  };

  function gen(n: Node): Code {
    switch (n.t) {
      case 'num':
        return { js: `(${n.value})`, bool: false };
      case 'col': {
        // Own properties only: a column called `constructor` or `__proto__` is a column, not Object's.
        const c = Object.hasOwn(CONSTANTS, n.name.toLowerCase()) ? CONSTANTS[n.name.toLowerCase()] : undefined;
        // Quoted names (`pi`) always mean columns; bare constant names mean the constant.
        if (c !== undefined && src.slice(n.pos, n.pos + 1) !== '`' && src.slice(n.pos, n.pos + 1) !== '"') {
          return { js: c, bool: c === 'true' || c === 'false' };
        }
        return { js: col(n.name), bool: false };
      }
      case 'unary':
        return n.op === '-' ? { js: `(-${num(gen(n.arg))})`, bool: false } : { js: `(!${bool(gen(n.arg))})`, bool: true };
      case 'bin': {
        if (n.op === '**') return { js: `Math.pow(${num(gen(n.left))}, ${num(gen(n.right))})`, bool: false };
        // A left-deep chain of one precedence level (a - b + c ...) becomes one flat JS chain, walked by a
        // loop: neither this generator nor V8's parser recurses once per term (2000-term sums compile).
        const level = (op: string) => (op === '+' || op === '-' ? 1 : 2);
        const rights: { op: string; node: Node }[] = [];
        let left: Node = n;
        while (left.t === 'bin' && left.op !== '**' && level(left.op) === level(n.op)) {
          rights.push({ op: left.op, node: left.right });
          left = left.left;
        }
        const parts = [num(gen(left))];
        for (let i = rights.length - 1; i >= 0; i--) parts.push(rights[i].op, num(gen(rights[i].node)));
        return { js: `(${parts.join(' ')})`, bool: false };
      }
      case 'cmp': {
        const args = n.args.map((a) => num(gen(a)));
        const parts = n.ops.map((op, i) => `(${args[i]} ${op === '==' ? '===' : op === '!=' ? '!==' : op} ${args[i + 1]})`);
        return { js: `(${parts.join(' && ')})`, bool: true };
      }
      case 'logic': {
        const rights: Node[] = [];
        let left: Node = n;
        while (left.t === 'logic' && left.op === n.op) {
          rights.push(left.right);
          left = left.left;
        }
        const parts = [bool(gen(left)), ...rights.reverse().map((r) => bool(gen(r)))];
        return { js: `(${parts.join(n.op === 'and' ? ' && ' : ' || ')})`, bool: true };
      }
      case 'call': {
        const arity = (lo: number, hi: number) => {
          if (n.args.length < lo || n.args.length > hi) {
            const want = lo === hi ? `${lo}` : `${lo} to ${hi}`;
            throw exprError(src, n.pos, `${n.name}() takes ${want} argument${hi === 1 ? '' : 's'}, got ${n.args.length}`);
          }
        };
        if (n.name === 'where' || n.name === 'if') {
          arity(3, 3);
          const [c, a, b] = n.args.map(gen);
          return { js: `(${bool(c)} ? ${num(a)} : ${num(b)})`, bool: false };
        }
        if (n.name === 'isfinite') { arity(1, 1); return { js: `Number.isFinite(${num(gen(n.args[0]))})`, bool: true }; }
        if (n.name === 'isnan') { arity(1, 1); return { js: `Number.isNaN(${num(gen(n.args[0]))})`, bool: true }; }
        const f = Object.hasOwn(FUNCTIONS, n.name) ? FUNCTIONS[n.name] : undefined;
        if (!f) throw exprError(src, n.pos, `unknown function "${n.name}" (known: ${knownFunctions().join(', ')})`);
        arity(f[0], f[1]);
        return { js: f[2](n.args.map((a) => num(gen(a)))), bool: false };
      }
    }
  }
  return gen(root);
}

type Kernel = (cols: ArrayLike<number>[], n: number, out: WritableArray) => void;

function build(code: string, ncols: number): Kernel {
  const decl = Array.from({ length: ncols }, (_, j) => `const c${j} = cols[${j}];`).join(' ');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('cols', 'n', 'out', `${decl} for (let i = 0; i < n; i++) out[i] = ${code};`) as Kernel;
}

const cache = new Map<string, CompiledExpression>();

/** Parses and compiles `src`; throws NtcorrError with the position of a syntax error. Results are cached. */
export function compileExpression(src: string): CompiledExpression {
  const hit = cache.get(src);
  if (hit) return hit;
  const tree = parse(src);
  const colIndex = new Map<string, number>();
  const code = generate(src, tree, colIndex);
  const columns = [...colIndex.keys()];
  const floatKernel = build(code.bool ? `(${code.js} ? 1 : 0)` : code.js, columns.length);
  const maskKernel = build(`(${code.js} ? 1 : 0)`, columns.length);

  function arrays(cols: Map<string, Column>, rows: number): ArrayLike<number>[] {
    return columns.map((name) => {
      const c = cols.get(name);
      if (c === undefined) {
        throw new NtcorrError(`expression "${src}": column "${name}" not found${cols.size ? ` (have: ${[...cols.keys()].slice(0, 40).join(', ')}${cols.size > 40 ? ', ...' : ''})` : ''}`, { column: name });
      }
      if (isJagged(c)) throw new NtcorrError(`expression "${src}": column "${name}" is a list (jagged); expressions work on one value per row`, { column: name });
      if (c.length < rows) throw new NtcorrError(`expression "${src}": column "${name}" has ${c.length} values, need ${rows}`, { column: name });
      return c instanceof BigInt64Array || c instanceof BigUint64Array ? toFloat64(c as NumericArray) : (c as ArrayLike<number>);
    });
  }

  const compiled: CompiledExpression = {
    source: src,
    columns,
    isCondition: code.bool,
    evalFloat(cols, rows, out) {
      const o = out ?? new Float64Array(rows);
      floatKernel(arrays(cols, rows), rows, o);
      return o as never;
    },
    evalMask(cols, rows, out) {
      const o = out ?? new Uint8Array(rows);
      maskKernel(arrays(cols, rows), rows, o);
      return o;
    },
    missing(available) {
      const have = new Set(available);
      return columns.filter((c) => !have.has(c));
    },
  };
  cache.set(src, compiled);
  return compiled;
}
