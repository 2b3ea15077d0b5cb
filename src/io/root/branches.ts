/**
 * Which TTree branches ntcorr can read as numbers, and how: element type, byte size, fixed or
 * variable length. Everything else is listed with the reason it is skipped (never guessed at).
 */
import type { DType } from '../../core/columns.js';
import type { ColumnInfo } from '../table.js';
import { rootName } from './names.js';

export type Layout = 'flat' | 'fixed' | 'jagged' | 'vector';

export interface BranchPlan {
  name: string;
  /** The jsroot TBranch object (fBasketSeek, fBasketBytes, fBasketEntry, fWriteBasket, fBaskets, ...). */
  branch: any;
  layout: Layout;
  dtype?: DType;
  /** How the bytes are stored: 'float32' for Double32_t without a range (decoded to float64). */
  storage?: DType;
  /** Bytes per stored element. */
  size: number;
  /** Elements per entry for 'flat' (1) and 'fixed' (x[3] -> 3). */
  perEntry: number;
  counter?: string;
  /** ROOT type as written in the branch title / class ("Float_t", "vector<float>"). */
  rootType: string;
  /** Why the branch cannot be read (strings, objects, leaf lists, ...); set = skipped. */
  unsupported?: string;
  /** A string branch (char* TLeafC, std::string, TString): one string per entry (RootTable.readStrings). */
  strings?: boolean;
  /** Bytes before each string entry: 6 (byte count + version) for a std::string member of a split object. */
  stringHeader?: number;
}

/** The TStreamerElement a TBranchElement's data is streamed with (from the file's StreamerInfo), if known. */
export type ElementOf = (branch: any) => any;

interface LeafType { dtype: DType; udtype?: DType; size: number; name: string; uname?: string; storage?: DType }

const LEAF_TYPES: Record<string, LeafType> = {
  TLeafO: { dtype: 'bool', size: 1, name: 'Bool_t' },
  TLeafB: { dtype: 'int8', udtype: 'uint8', size: 1, name: 'Char_t', uname: 'UChar_t' },
  TLeafS: { dtype: 'int16', udtype: 'uint16', size: 2, name: 'Short_t', uname: 'UShort_t' },
  TLeafI: { dtype: 'int32', udtype: 'uint32', size: 4, name: 'Int_t', uname: 'UInt_t' },
  TLeafL: { dtype: 'int64', udtype: 'uint64', size: 8, name: 'Long64_t', uname: 'ULong64_t' },
  TLeafG: { dtype: 'int64', udtype: 'uint64', size: 8, name: 'Long_t', uname: 'ULong_t' },
  TLeafF: { dtype: 'float32', size: 4, name: 'Float_t' },
  TLeafD: { dtype: 'float64', size: 8, name: 'Double_t' },
  TLeafD32: { dtype: 'float64', size: 4, name: 'Double32_t', storage: 'float32' },
};

const VECTOR_TYPES: Record<string, { dtype: DType; size: number }> = {
  bool: { dtype: 'bool', size: 1 },
  char: { dtype: 'int8', size: 1 }, 'unsigned char': { dtype: 'uint8', size: 1 },
  short: { dtype: 'int16', size: 2 }, 'unsigned short': { dtype: 'uint16', size: 2 },
  int: { dtype: 'int32', size: 4 }, 'unsigned int': { dtype: 'uint32', size: 4 },
  long: { dtype: 'int64', size: 8 }, 'unsigned long': { dtype: 'uint64', size: 8 },
  'long long': { dtype: 'int64', size: 8 }, 'unsigned long long': { dtype: 'uint64', size: 8 },
  Long64_t: { dtype: 'int64', size: 8 }, ULong64_t: { dtype: 'uint64', size: 8 },
  float: { dtype: 'float32', size: 4 }, double: { dtype: 'float64', size: 8 },
};

/** Walks the tree's branches (depth first, sub-branches included) and plans how to read each. */
export function planBranches(tree: any, elementOf: ElementOf = () => undefined): BranchPlan[] {
  const out: BranchPlan[] = [];
  const visit = (b: any): void => {
    const children = b.fBranches?.arr ?? [];
    if (children.length > 0) {
      // A split object/collection: its data lives in the sub-branches.
      for (const c of children) visit(c);
      return;
    }
    out.push(planBranch(b, elementOf));
  };
  for (const b of tree.fBranches?.arr ?? []) visit(b);
  return out;
}

function planBranch(b: any, elementOf: ElementOf): BranchPlan {
  const base = { name: rootName(String(b.fName)), branch: b, size: 0, perEntry: 1, layout: 'flat' as Layout };
  const leaves = b.fLeaves?.arr ?? [];
  const skip = (rootType: string, why: string): BranchPlan => ({ ...base, rootType, unsupported: why });
  if (leaves.length !== 1) return skip(`${leaves.length} leaves`, `leaf list with ${leaves.length} leaves (${b.fTitle}) is not supported`);
  const leaf = leaves[0];
  const cls: string = leaf._typename;
  if (cls === 'TLeafElement') return planElement(b, base, skip, elementOf);
  if (cls === 'TLeafC') return { ...skip('char*', 'string branch (not a number)'), strings: true, stringHeader: 0 };
  if (cls === 'TLeafF16') return skip('Float16_t', 'Float16_t is not supported');
  const t = LEAF_TYPES[cls];
  if (!t) return skip(cls, `leaf type ${cls} is not supported`);
  if (cls === 'TLeafD32' && /\[[^\]]*,[^\]]*\]/.test(`${leaf.fTitle} ${b.fTitle}`)) {
    return skip('Double32_t', 'Double32_t with a packing range is not supported');
  }
  const unsigned = Boolean(leaf.fIsUnsigned) && t.udtype !== undefined;
  const dtype = unsigned ? t.udtype! : t.dtype;
  const tname = unsigned ? t.uname! : t.name;
  const len = Math.max(1, Number(leaf.fLen) || 1);
  const counter: string | undefined = leaf.fLeafCount ? rootName(String(leaf.fLeafCount.fName)) : undefined;
  const storage = t.storage ?? dtype;
  if (counter) {
    const dims = len > 1 ? `[${counter}][${len}]` : `[${counter}]`;
    return { ...base, layout: 'jagged', dtype, storage, size: t.size, perEntry: len, counter, rootType: tname + dims };
  }
  if (len > 1) return { ...base, layout: 'fixed', dtype, storage, size: t.size, perEntry: len, rootType: `${tname}[${len}]` };
  return { ...base, dtype, storage, size: t.size, rootType: tname };
}

const kTString = 65;
const kSTLstring = 365;

function planElement(b: any, base: Omit<BranchPlan, 'rootType'>, skip: (t: string, why: string) => BranchPlan, elementOf: ElementOf): BranchPlan {
  const cls = String(b.fClassName ?? '');
  // Strings, as uproot and jsroot read them: a top-level std::string branch holds each entry as a TString
  // (length byte, or 255 + Int32, then the bytes); a std::string member of a split object adds the
  // 6-byte byte count + version before it; a TString member has none. Members inside collections
  // (fType 31/41: TClonesArray / STL) hold several strings per entry and stay unsupported.
  if (b.fID === -1 && (cls === 'string' || cls === 'std::string') && (b.fType === 0 || b.fType === undefined)) {
    return { ...skip('std::string', 'string branch (not a number)'), strings: true, stringHeader: 0 };
  }
  if (b.fID >= 0 && b.fType === 0) {
    const el = elementOf(b);
    if (el?._typename === 'TStreamerSTLstring' || (Number(b.fStreamerType) === kSTLstring && el === undefined) || (el && Number(el.fSTLtype) === kSTLstring)) {
      return { ...skip('std::string', 'string branch (not a number)'), strings: true, stringHeader: 6 };
    }
    if (Number(b.fStreamerType) === kTString && (el === undefined || el.fTypeName === 'TString')) {
      return { ...skip('TString', 'string branch (not a number)'), strings: true, stringHeader: 0 };
    }
  }
  const m = /^vector<\s*([A-Za-z_][\w ]*?)\s*>$/.exec(cls);
  if (m && (b.fType === 0 || b.fType === undefined) && b.fID === -1) {
    const t = VECTOR_TYPES[m[1]!];
    if (t) return { ...base, layout: 'vector', dtype: t.dtype, storage: t.dtype, size: t.size, rootType: cls };
  }
  return skip(cls || 'object', `object branch (${cls || b.fTitle}) is not a numeric type`);
}

/** The format-neutral description of a planned branch. */
export function columnInfo(p: BranchPlan): ColumnInfo {
  return {
    name: p.name,
    dtype: p.unsupported ? undefined : p.dtype,
    jagged: p.layout !== 'flat',
    fixedSize: p.layout === 'fixed' ? p.perEntry : undefined,
    nullable: false,
    detail: p.unsupported ? `${p.rootType} (unsupported: ${p.unsupported})` : p.rootType,
  };
}
