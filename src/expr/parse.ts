import { NtcorrError } from '../core/errors.js';

/**
 * Parser for ntcorr's small expression language (derived columns, --where selections, fit/validation cuts).
 *
 * Grammar, loosest binding first (Python-like):
 *   or      := and (("or" | "||") and)*
 *   and     := not (("and" | "&&") not)*
 *   not     := ("not" | "!") not | compare
 *   compare := sum (("<" | "<=" | ">" | ">=" | "==" | "=" | "!=") sum)*      chained: a < b < c = a<b and b<c
 *   sum     := product (("+" | "-") product)*
 *   product := unary (("*" | "/" | "%") unary)*
 *   unary   := "-" unary | "+" unary | power
 *   power   := atom (("^" | "**") unary)?                                     right-assoc, -x**2 = -(x**2)
 *   atom    := number | name | `quoted name` | name "(" args ")" | "(" or ")"
 *
 * Chains (`a + b + ... `, `x and y and ...`) are parsed by loops, so their length is unlimited; nesting
 * (parentheses, function calls, unary operators, powers) recurses and is bounded by MAX_DEPTH, with an
 * error at the position where the limit is crossed instead of a stack overflow.
 */
export const MAX_DEPTH = 256;

export type Node =
  | { t: 'num'; value: number; pos: number }
  | { t: 'col'; name: string; pos: number }
  | { t: 'unary'; op: '-' | 'not'; arg: Node; pos: number }
  | { t: 'bin'; op: string; left: Node; right: Node; pos: number }
  | { t: 'cmp'; ops: string[]; args: Node[]; pos: number }
  | { t: 'logic'; op: 'and' | 'or'; left: Node; right: Node; pos: number }
  | { t: 'call'; name: string; args: Node[]; pos: number };

interface Token {
  kind: 'num' | 'name' | 'qname' | 'op' | 'end';
  text: string;
  pos: number;
}

/** Error at a position of the source, with a caret line under it. */
export function exprError(src: string, pos: number, what: string): NtcorrError {
  return new NtcorrError(`expression error at position ${pos + 1}: ${what}\n  ${src}\n  ${' '.repeat(pos)}^`);
}

const OPS = ['**', '<=', '>=', '==', '!=', '&&', '||', '+', '-', '*', '/', '%', '^', '<', '>', '=', '!', '(', ')', ','];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (/\s/.test(ch)) { i++; continue; }
    const start = i;
    if (/[0-9.]/.test(ch)) {
      const m = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(src.slice(i));
      if (!m) throw exprError(src, i, `bad number`);
      out.push({ kind: 'num', text: m[0], pos: start });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      // Dots allowed inside names: flattened nested fields like "Photon.pt".
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i))!;
      out.push({ kind: 'name', text: m[0], pos: start });
      i += m[0].length;
      continue;
    }
    if (ch === '`' || ch === '"') {
      // Quoted column names for names that are not identifiers (or clash with a function / keyword).
      const end = src.indexOf(ch, i + 1);
      if (end < 0) throw exprError(src, i, `unterminated ${ch}quoted${ch} column name`);
      out.push({ kind: 'qname', text: src.slice(i + 1, end), pos: start });
      i = end + 1;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw exprError(src, i, `unexpected character ${JSON.stringify(ch)}`);
    out.push({ kind: 'op', text: op, pos: start });
    i += op.length;
  }
  out.push({ kind: 'end', text: '', pos: src.length });
  return out;
}

const CMP = new Set(['<', '<=', '>', '>=', '==', '=', '!=']);

export function parse(src: string): Node {
  const toks = tokenize(src);
  let k = 0;
  const peek = () => toks[k];
  const isOp = (...ops: string[]) => peek().kind === 'op' && ops.includes(peek().text);
  const isWord = (...w: string[]) => peek().kind === 'name' && w.includes(peek().text.toLowerCase());
  const describe = (t: Token) => (t.kind === 'end' ? 'end of expression' : JSON.stringify(t.text));
  let depth = 0;
  /** Runs one nesting level (parenthesis, call, unary, power) within MAX_DEPTH. */
  function nested<T>(pos: number, f: () => T): T {
    if (++depth > MAX_DEPTH) throw exprError(src, pos, `nested more than ${MAX_DEPTH} levels deep (parentheses, function calls, unary operators or powers); simplify the expression`);
    try {
      return f();
    } finally {
      depth--;
    }
  }

  function expect(op: string): Token {
    if (!isOp(op)) throw exprError(src, peek().pos, `expected "${op}" but found ${describe(peek())}`);
    return toks[k++];
  }

  function parseOr(): Node {
    let left = parseAnd();
    while (isOp('||') || isWord('or')) {
      const pos = toks[k++].pos;
      left = { t: 'logic', op: 'or', left, right: parseAnd(), pos };
    }
    return left;
  }
  function parseAnd(): Node {
    let left = parseNot();
    while (isOp('&&') || isWord('and')) {
      const pos = toks[k++].pos;
      left = { t: 'logic', op: 'and', left, right: parseNot(), pos };
    }
    return left;
  }
  function parseNot(): Node {
    if (isOp('!') || isWord('not')) {
      const pos = toks[k++].pos;
      return { t: 'unary', op: 'not', arg: nested(pos, parseNot), pos };
    }
    return parseCompare();
  }
  function parseCompare(): Node {
    const first = parseSum();
    const args = [first];
    const ops: string[] = [];
    while (peek().kind === 'op' && CMP.has(peek().text)) {
      const op = toks[k++].text;
      ops.push(op === '=' ? '==' : op);
      args.push(parseSum());
    }
    return ops.length ? { t: 'cmp', ops, args, pos: first.pos } : first;
  }
  function parseSum(): Node {
    let left = parseProduct();
    while (isOp('+', '-')) {
      const t = toks[k++];
      left = { t: 'bin', op: t.text, left, right: parseProduct(), pos: t.pos };
    }
    return left;
  }
  function parseProduct(): Node {
    let left = parseUnary();
    while (isOp('*', '/', '%')) {
      const t = toks[k++];
      left = { t: 'bin', op: t.text, left, right: parseUnary(), pos: t.pos };
    }
    return left;
  }
  function parseUnary(): Node {
    if (isOp('-')) {
      const pos = toks[k++].pos;
      return { t: 'unary', op: '-', arg: nested(pos, parseUnary), pos };
    }
    if (isOp('+')) { const pos = toks[k++].pos; return nested(pos, parseUnary); }
    return parsePower();
  }
  function parsePower(): Node {
    const base = parseAtom();
    if (isOp('^', '**')) {
      const t = toks[k++];
      return { t: 'bin', op: '**', left: base, right: nested(t.pos, parseUnary), pos: t.pos };
    }
    return base;
  }
  function parseAtom(): Node {
    const t = peek();
    if (t.kind === 'num') { k++; return { t: 'num', value: Number(t.text), pos: t.pos }; }
    if (t.kind === 'qname') { k++; return { t: 'col', name: t.text, pos: t.pos }; }
    if (t.kind === 'name') {
      k++;
      if (isOp('(')) {
        k++;
        const args: Node[] = [];
        nested(t.pos, () => {
          if (!isOp(')')) {
            args.push(parseOr());
            while (isOp(',')) { k++; args.push(parseOr()); }
          }
        });
        expect(')');
        return { t: 'call', name: t.text.toLowerCase(), args, pos: t.pos };
      }
      const lower = t.text.toLowerCase();
      if (['and', 'or', 'not'].includes(lower)) throw exprError(src, t.pos, `"${t.text}" needs an operand before it`);
      return { t: 'col', name: t.text, pos: t.pos };
    }
    if (isOp('(')) {
      k++;
      const inner = nested(t.pos, parseOr);
      expect(')');
      return inner;
    }
    throw exprError(src, t.pos, `expected a number, column or "(" but found ${describe(t)}`);
  }

  if (src.trim() === '') throw exprError(src, 0, 'empty expression');
  const tree = parseOr();
  if (peek().kind !== 'end') throw exprError(src, peek().pos, `unexpected ${describe(peek())}`);
  return tree;
}
