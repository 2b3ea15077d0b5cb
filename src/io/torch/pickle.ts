/**
 * A small pickle virtual machine for the subset torch.save uses (protocol 2, also 3-5 opcodes):
 * enough to rebuild a state dict without Python. Globals are not executed: `find(module, name)` maps
 * them to JS callables (rebuild functions, OrderedDict); anything unknown becomes an inert marker that
 * fails loudly only if it is called.
 */
export type PickleValue = unknown;

export interface PickleHooks {
  /** Resolves GLOBAL/STACK_GLOBAL to a callable; return undefined for "unsupported". */
  find(module: string, name: string): ((...args: PickleValue[]) => PickleValue) | undefined;
  /** BINPERSID: torch storages ('storage', type, key, location, numel). */
  persistentLoad(pid: PickleValue): PickleValue;
}

/** A dict as pickled (torch's OrderedDict); keys kept in insertion order. */
export class PickleDict extends Map<PickleValue, PickleValue> {
  /** State set by BUILD (e.g. the `_metadata` attribute of a state dict). */
  state?: PickleValue;
}

class Global {
  constructor(readonly module: string, readonly name: string) {}
}

const MARK = Symbol('mark');

/**
 * Bounded by construction: every opcode consumes at least one byte and every length field is checked
 * against the bytes left before anything is read or allocated, so a corrupt or hostile pickle ends in an
 * error after at most one pass over its bytes (no loop without progress, no allocation from a length).
 */
export function unpickle(data: Uint8Array, hooks: PickleHooks): PickleValue {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const stack: PickleValue[] = [];
  const memo = new Map<number, PickleValue>();
  let p = 0;
  let opAt = 0;
  const bad = (msg: string): never => {
    throw new Error(`pickle: ${msg} (opcode at byte ${opAt})`);
  };
  /** Throws unless n more bytes are there; returns the position to read from and advances past them. */
  const take = (n: number): number => {
    if (!(n >= 0) || p + n > buf.length) bad(`truncated: needs ${n} more byte(s) at byte ${p}, the data has ${buf.length}`);
    const at = p;
    p += n;
    return at;
  };
  const pop = (): PickleValue => {
    if (stack.length === 0 || stack[stack.length - 1] === MARK) bad('stack underflow');
    return stack.pop();
  };
  const top = (): PickleValue => {
    if (stack.length === 0) bad('stack underflow');
    return stack[stack.length - 1];
  };
  const topList = (): PickleValue[] => {
    const t = top();
    if (!Array.isArray(t)) bad('APPEND to something that is not a list');
    return t as PickleValue[];
  };
  const popMark = (): PickleValue[] => {
    let i = stack.length - 1;
    while (i >= 0 && stack[i] !== MARK) i--;
    if (i < 0) bad('MARK not found');
    const items = stack.splice(i + 1);
    stack.pop();
    return items;
  };
  const readLine = (): string => {
    const end = buf.indexOf(0x0a, p);
    if (end < 0) bad('GLOBAL without a newline-terminated name');
    const s = buf.toString('latin1', p, end);
    p = end + 1;
    return s;
  };
  const str = (n: number, enc: 'utf8' | 'latin1'): string => { const at = take(n); return buf.toString(enc, at, at + n); };
  const call = (f: PickleValue, args: PickleValue[]): PickleValue => {
    if (f instanceof Global) {
      const fn = hooks.find(f.module, f.name);
      if (!fn) bad(`unsupported global ${f.module}.${f.name}`);
      return fn!(...args);
    }
    if (typeof f === 'function') return (f as (...a: PickleValue[]) => PickleValue)(...args);
    return bad('REDUCE on a non-callable');
  };
  const setItems = (d: PickleValue, items: PickleValue[]) => {
    if (!(d instanceof Map)) bad('SETITEMS on a non-dict');
    for (let i = 0; i < items.length; i += 2) (d as Map<PickleValue, PickleValue>).set(items[i], items[i + 1]);
  };
  for (;;) {
    opAt = p;
    const op = buf[take(1)];
    switch (op) {
      case 0x80: take(1); break; // PROTO
      case 0x95: take(8); break; // FRAME
      case 0x2e: return pop(); // STOP
      case 0x28: stack.push(MARK); break; // MARK
      case 0x7d: stack.push(new PickleDict()); break; // EMPTY_DICT
      case 0x64: { const it = popMark(); const d = new PickleDict(); setItems(d, it); stack.push(d); break; } // DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x29: stack.push([]); break; // EMPTY_TUPLE (tuples as frozen arrays)
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push([a, b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push([a, b, c]); break; } // TUPLE3
      case 0x8f: stack.push(new Set()); break; // EMPTY_SET
      case 0x90: { const it = popMark(); const s = top(); if (!(s instanceof Set)) bad('ADDITEMS to a non-set'); it.forEach((v) => (s as Set<PickleValue>).add(v)); break; } // ADDITEMS
      case 0x91: stack.push(new Set(popMark())); break; // FROZENSET
      case 0x61: { const v = pop(); topList().push(v); break; } // APPEND
      case 0x65: { const it = popMark(); const l = topList(); for (const v of it) l.push(v); break; } // APPENDS
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const it = popMark(); setItems(top(), it); break; } // SETITEMS
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(buf.readInt32LE(take(4))); break; // BININT
      case 0x4b: stack.push(buf[take(1)]); break; // BININT1
      case 0x4d: stack.push(buf.readUInt16LE(take(2))); break; // BININT2
      case 0x8a: { // LONG1
        const n = buf[take(1)];
        const at = take(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[at + i]);
        if (n > 0 && buf[at + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(Number(v));
        break;
      }
      case 0x47: stack.push(buf.readDoubleBE(take(8))); break; // BINFLOAT
      case 0x58: stack.push(str(buf.readUInt32LE(take(4)), 'utf8')); break; // BINUNICODE
      case 0x8c: stack.push(str(buf[take(1)], 'utf8')); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(str(Number(buf.readBigUInt64LE(take(8))), 'utf8')); break; // BINUNICODE8
      case 0x54: stack.push(str(buf.readUInt32LE(take(4)), 'latin1')); break; // BINSTRING
      case 0x55: stack.push(str(buf[take(1)], 'latin1')); break; // SHORT_BINSTRING
      case 0x42: { const n = buf.readUInt32LE(take(4)); const at = take(n); stack.push(buf.subarray(at, at + n)); break; } // BINBYTES
      case 0x43: { const n = buf[take(1)]; const at = take(n); stack.push(buf.subarray(at, at + n)); break; } // SHORT_BINBYTES
      case 0x71: memo.set(buf[take(1)], top()); break; // BINPUT
      case 0x72: memo.set(buf.readUInt32LE(take(4)), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: { const k = buf[take(1)]; if (!memo.has(k)) bad(`BINGET of unset memo ${k}`); stack.push(memo.get(k)); break; } // BINGET
      case 0x6a: { const k = buf.readUInt32LE(take(4)); if (!memo.has(k)) bad(`LONG_BINGET of unset memo ${k}`); stack.push(memo.get(k)); break; } // LONG_BINGET
      case 0x63: { const module = readLine(); const name = readLine(); stack.push(new Global(module, name)); break; } // GLOBAL
      case 0x93: { const name = pop(); const module = pop(); if (typeof name !== 'string' || typeof module !== 'string') bad('STACK_GLOBAL needs two strings'); stack.push(new Global(module as string, name as string)); break; } // STACK_GLOBAL
      case 0x52: { const args = pop(); const f = pop(); if (!Array.isArray(args)) bad('REDUCE needs an argument tuple'); stack.push(call(f, args as PickleValue[])); break; } // REDUCE
      case 0x81: { const args = pop(); const cls = pop(); if (!Array.isArray(args)) bad('NEWOBJ needs an argument tuple'); stack.push(call(cls, args as PickleValue[])); break; } // NEWOBJ
      case 0x62: { // BUILD
        const state = pop();
        const obj = top();
        if (obj instanceof PickleDict) obj.state = state;
        else if (obj && typeof obj === 'object') (obj as { state?: PickleValue }).state = state;
        break;
      }
      case 0x51: stack.push(hooks.persistentLoad(pop())); break; // BINPERSID
      case 0x30: pop(); break; // POP
      case 0x32: stack.push(top()); break; // DUP
      default:
        bad(`unsupported opcode 0x${op.toString(16)}`);
    }
  }
}
