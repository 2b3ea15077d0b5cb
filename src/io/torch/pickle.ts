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

export function unpickle(data: Uint8Array, hooks: PickleHooks): PickleValue {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const stack: PickleValue[] = [];
  const memo = new Map<number, PickleValue>();
  let p = 0;
  const popMark = (): PickleValue[] => {
    let i = stack.length - 1;
    while (i >= 0 && stack[i] !== MARK) i--;
    if (i < 0) throw new Error('pickle: MARK not found');
    const items = stack.splice(i + 1);
    stack.pop();
    return items;
  };
  const readLine = (): string => {
    const end = buf.indexOf(0x0a, p);
    const s = buf.toString('latin1', p, end);
    p = end + 1;
    return s;
  };
  const call = (f: PickleValue, args: PickleValue[]): PickleValue => {
    if (f instanceof Global) {
      const fn = hooks.find(f.module, f.name);
      if (!fn) throw new Error(`pickle: unsupported global ${f.module}.${f.name}`);
      return fn(...args);
    }
    if (typeof f === 'function') return (f as (...a: PickleValue[]) => PickleValue)(...args);
    throw new Error('pickle: REDUCE on a non-callable');
  };
  const setItems = (d: PickleValue, items: PickleValue[]) => {
    if (!(d instanceof Map)) throw new Error('pickle: SETITEMS on a non-dict');
    for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]);
  };
  for (;;) {
    const op = buf[p++];
    switch (op) {
      case 0x80: p++; break; // PROTO
      case 0x95: p += 8; break; // FRAME
      case 0x2e: return stack.pop(); // STOP
      case 0x28: stack.push(MARK); break; // MARK
      case 0x7d: stack.push(new PickleDict()); break; // EMPTY_DICT
      case 0x64: { const it = popMark(); const d = new PickleDict(); setItems(d, it); stack.push(d); break; } // DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x29: stack.push([]); break; // EMPTY_TUPLE (tuples as frozen arrays)
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([stack.pop()]); break; // TUPLE1
      case 0x86: { const b = stack.pop(); const a = stack.pop(); stack.push([a, b]); break; } // TUPLE2
      case 0x87: { const c = stack.pop(); const b = stack.pop(); const a = stack.pop(); stack.push([a, b, c]); break; } // TUPLE3
      case 0x8f: stack.push(new Set()); break; // EMPTY_SET
      case 0x90: { const it = popMark(); const s = stack[stack.length - 1] as Set<PickleValue>; it.forEach((v) => s.add(v)); break; } // ADDITEMS
      case 0x91: stack.push(new Set(popMark())); break; // FROZENSET
      case 0x61: { const v = stack.pop(); (stack[stack.length - 1] as PickleValue[]).push(v); break; } // APPEND
      case 0x65: { const it = popMark(); (stack[stack.length - 1] as PickleValue[]).push(...it); break; } // APPENDS
      case 0x73: { const v = stack.pop(); const k = stack.pop(); setItems(stack[stack.length - 1], [k, v]); break; } // SETITEM
      case 0x75: { const it = popMark(); setItems(stack[stack.length - 1], it); break; } // SETITEMS
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(buf.readInt32LE(p)); p += 4; break; // BININT
      case 0x4b: stack.push(buf[p]); p += 1; break; // BININT1
      case 0x4d: stack.push(buf.readUInt16LE(p)); p += 2; break; // BININT2
      case 0x8a: { // LONG1
        const n = buf[p++];
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[p + i]);
        if (n > 0 && buf[p + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        p += n;
        stack.push(Number(v));
        break;
      }
      case 0x47: stack.push(buf.readDoubleBE(p)); p += 8; break; // BINFLOAT
      case 0x58: { const n = buf.readUInt32LE(p); p += 4; stack.push(buf.toString('utf8', p, p + n)); p += n; break; } // BINUNICODE
      case 0x8c: { const n = buf[p++]; stack.push(buf.toString('utf8', p, p + n)); p += n; break; } // SHORT_BINUNICODE
      case 0x8d: { const n = Number(buf.readBigUInt64LE(p)); p += 8; stack.push(buf.toString('utf8', p, p + n)); p += n; break; } // BINUNICODE8
      case 0x54: { const n = buf.readUInt32LE(p); p += 4; stack.push(buf.toString('latin1', p, p + n)); p += n; break; } // BINSTRING
      case 0x55: { const n = buf[p++]; stack.push(buf.toString('latin1', p, p + n)); p += n; break; } // SHORT_BINSTRING
      case 0x42: { const n = buf.readUInt32LE(p); p += 4; stack.push(buf.subarray(p, p + n)); p += n; break; } // BINBYTES
      case 0x43: { const n = buf[p++]; stack.push(buf.subarray(p, p + n)); p += n; break; } // SHORT_BINBYTES
      case 0x71: memo.set(buf[p++], stack[stack.length - 1]); break; // BINPUT
      case 0x72: memo.set(buf.readUInt32LE(p), stack[stack.length - 1]); p += 4; break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, stack[stack.length - 1]); break; // MEMOIZE
      case 0x68: stack.push(memo.get(buf[p++])); break; // BINGET
      case 0x6a: stack.push(memo.get(buf.readUInt32LE(p))); p += 4; break; // LONG_BINGET
      case 0x63: { const module = readLine(); const name = readLine(); stack.push(new Global(module, name)); break; } // GLOBAL
      case 0x93: { const name = stack.pop() as string; const module = stack.pop() as string; stack.push(new Global(module, name)); break; } // STACK_GLOBAL
      case 0x52: { const args = stack.pop() as PickleValue[]; const f = stack.pop(); stack.push(call(f, args)); break; } // REDUCE
      case 0x81: { const args = stack.pop() as PickleValue[]; const cls = stack.pop(); stack.push(call(cls, args)); break; } // NEWOBJ
      case 0x62: { // BUILD
        const state = stack.pop();
        const obj = stack[stack.length - 1];
        if (obj instanceof PickleDict) obj.state = state;
        else if (obj && typeof obj === 'object') (obj as { state?: PickleValue }).state = state;
        break;
      }
      case 0x51: stack.push(hooks.persistentLoad(stack.pop())); break; // BINPERSID
      case 0x30: stack.pop(); break; // POP
      case 0x32: stack.push(stack[stack.length - 1]); break; // DUP
      default:
        throw new Error(`pickle: unsupported opcode 0x${op?.toString(16)} at byte ${p - 1}`);
    }
  }
}
