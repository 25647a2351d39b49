/**
 * A restricted unpickler: the subset of pickle (protocols 2–5) that `torch.save` writes for a
 * state dict. Nothing is ever called or imported: the only globals with a meaning are
 * `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` / `_rebuild_parameter` and the
 * `torch.*Storage` types; any other global becomes an inert {@link Opaque} value, so a checkpoint
 * that also pickles, say, training arguments still yields its tensors.
 */
import { ArtefactError } from '../../core/errors.js';
import type { TorchDtype } from './tensor.js';

export interface Global { kind: 'global'; module: string; name: string }
/** An object of a class we do not interpret (kept only so the stream can be walked). */
export interface Opaque { kind: 'opaque'; of: string; args: unknown }
/** `torch.save`'s persistent id of a storage: its data is the zip entry `data/{key}`. */
export interface StorageRef { kind: 'storage'; dtype: TorchDtype; key: string; numel: number }
export interface TensorRef { kind: 'tensor'; storage: StorageRef; offset: number; shape: number[]; stride: number[] }

const STORAGE_DTYPES: Record<string, TorchDtype> = {
  FloatStorage: 'float32', HalfStorage: 'float16', BFloat16Storage: 'bfloat16', DoubleStorage: 'float64', LongStorage: 'int64',
  IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8', BoolStorage: 'bool',
};


const isGlobal = (v: unknown, module: string, name: string): boolean =>
  typeof v === 'object' && v !== null && (v as Global).kind === 'global' && (v as Global).module === module && (v as Global).name === name;

/** Unpickle `bytes`. Dicts come back as `Map`, tuples and lists as arrays. */
export function unpickle(bytes: Uint8Array, file?: string): unknown {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let p = 0;
  const fail = (msg: string): never => {
    throw new ArtefactError(`pickle: ${msg} (at byte ${p})`, { file });
  };
  const need = (n: number) => {
    if (p + n > bytes.byteLength) fail('truncated');
  };
  const u8 = () => (need(1), bytes[p++]);
  const u16 = () => (need(2), (p += 2), dv.getUint16(p - 2, true));
  const u32 = () => (need(4), (p += 4), dv.getUint32(p - 4, true));
  const i32 = () => (need(4), (p += 4), dv.getInt32(p - 4, true));
  const u64 = () => (need(8), (p += 8), Number(dv.getBigUint64(p - 8, true)));
  const raw = (n: number) => (need(n), (p += n), bytes.subarray(p - n, p));
  const text = (n: number) => Buffer.from(raw(n)).toString('utf8');
  const line = () => {
    const e = bytes.indexOf(0x0a, p);
    if (e < 0) fail('unterminated text argument');
    const s = Buffer.from(bytes.subarray(p, e)).toString('latin1');
    p = e + 1;
    return s;
  };
  const pop = () => (stack.length ? stack.pop() : fail('stack underflow'));
  const top = () => (stack.length ? stack[stack.length - 1] : fail('stack underflow'));
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail('no mark');
    return stack.splice(m!);
  };
  const littleInt = (b: Uint8Array): number => {
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b.length && b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return Number(v);
  };
  const setItems = (d: unknown, items: unknown[]) => {
    if (!(d instanceof Map)) return; // state of an opaque object
    for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i], items[i + 1]);
  };
  const call = (fn: unknown, args: unknown): unknown => {
    const a = Array.isArray(args) ? args : [];
    if (isGlobal(fn, 'collections', 'OrderedDict') || isGlobal(fn, 'builtins', 'dict')) return new Map();
    if (isGlobal(fn, 'torch._utils', '_rebuild_tensor_v2')) {
      const [storage, offset, shape, stride] = a as [StorageRef, number, number[], number[]];
      if (!storage || storage.kind !== 'storage') fail('_rebuild_tensor_v2 without a storage');
      return { kind: 'tensor', storage, offset, shape: [...shape], stride: [...stride] } satisfies TensorRef;
    }
    if (isGlobal(fn, 'torch._utils', '_rebuild_parameter')) return a[0];
    const g = fn as Global;
    return { kind: 'opaque', of: g?.kind === 'global' ? `${g.module}.${g.name}` : 'object', args } satisfies Opaque;
  };
  const persistent = (pid: unknown): StorageRef => {
    const t = pid as unknown[];
    if (!Array.isArray(t) || t[0] !== 'storage') fail(`unsupported persistent id ${JSON.stringify(t)}`);
    const type = t[1] as Global;
    const dtype = type?.kind === 'global' && type.module === 'torch' ? STORAGE_DTYPES[type.name] : undefined;
    if (!dtype) fail(`unsupported storage type ${type?.module}.${type?.name}`);
    return { kind: 'storage', dtype: dtype!, key: String(t[2]), numel: Number(t[4]) };
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME
      case 0x2e: return pop(); // STOP
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x8f: stack.push([]); break; // EMPTY_SET
      case 0x64: { const items = popMark(); const d = new Map(); setItems(d, items); stack.push(d); break; } // DICT
      case 0x6c: case 0x74: stack.push(popMark()); break; // LIST, TUPLE
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); stack.push([pop(), b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); stack.push([pop(), b, c]); break; } // TUPLE3
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x61: { const v = pop(); (top() as unknown[]).push?.(v); break; } // APPEND
      case 0x65: case 0x90: { const items = popMark(); (top() as unknown[]).push?.(...items); break; } // APPENDS, ADDITEMS
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x70: memo.set(Number(line()), top()); break; // PUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: case 0x67: { // BINGET, LONG_BINGET, GET
        const k = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(line());
        if (!memo.has(k)) fail(`memo ${k} is not set`);
        stack.push(memo.get(k));
        break;
      }
      case 0x63: { const module = line(); const name = line(); stack.push({ kind: 'global', module, name } satisfies Global); break; } // GLOBAL
      case 0x93: { const name = pop() as string; const module = pop() as string; stack.push({ kind: 'global', module, name } satisfies Global); break; } // STACK_GLOBAL
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: stack.push(littleInt(raw(u8()))); break; // LONG1
      case 0x8b: stack.push(littleInt(raw(u32()))); break; // LONG4
      case 0x49: { const s = line(); stack.push(s === '00' ? false : s === '01' ? true : Number(s)); break; } // INT
      case 0x4c: stack.push(Number(line().replace(/L$/, ''))); break; // LONG (text)
      case 0x47: need(8); p += 8; stack.push(dv.getFloat64(p - 8, false)); break; // BINFLOAT (big-endian)
      case 0x46: stack.push(Number(line())); break; // FLOAT (text)
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x58: stack.push(text(u32())); break; // BINUNICODE
      case 0x8c: stack.push(text(u8())); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(text(u64())); break; // BINUNICODE8
      case 0x54: stack.push(Buffer.from(raw(u32())).toString('latin1')); break; // BINSTRING
      case 0x55: stack.push(Buffer.from(raw(u8())).toString('latin1')); break; // SHORT_BINSTRING
      case 0x42: stack.push(raw(u32())); break; // BINBYTES
      case 0x43: stack.push(raw(u8())); break; // SHORT_BINBYTES
      case 0x8e: stack.push(raw(u64())); break; // BINBYTES8
      case 0x52: { const args = pop(); stack.push(call(pop(), args)); break; } // REDUCE
      case 0x81: { const args = pop(); stack.push(call(pop(), args)); break; } // NEWOBJ
      case 0x92: { pop(); const args = pop(); stack.push(call(pop(), args)); break; } // NEWOBJ_EX
      case 0x62: { // BUILD: only opaque objects take a state; a dict's attributes (e.g. _metadata) are dropped
        const state = pop();
        const obj = top() as Opaque;
        if (obj && typeof obj === 'object' && (obj as Opaque).kind === 'opaque') (obj as Opaque & { state?: unknown }).state = state;
        break;
      }
      case 0x51: stack.push(persistent(pop())); break; // BINPERSID
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      default: fail(`unsupported opcode 0x${op.toString(16)}`);
    }
  }
}

