// An independent implementation of clip format v1 (docs/clip-format.md) on
// Node's crypto module (OpenSSL), used to cross-check Veil's C code:
//   node clip_vector.mjs vector
//       prints the documented test vector (clip key and clip bytes, hex)
//   node clip_vector.mjs check-vector EXPECTED.md
//       recomputes the vector and checks it appears verbatim in the doc
//   node clip_vector.mjs verify MASTER_KEY_FILE CLIP_FILE PLAINTEXT_FILE
//       decrypts a clip made by `veil clip encrypt` and compares
// Written from the specification, not from the C source.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

const TAG = 16;
const be16 = (v) => Buffer.from([v >> 8, v & 0xff]);
const be32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32BE(v); return b; };
const be64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(v)); return b; };

function clipKey(master, clipId) {
  return Buffer.from(hkdfSync('sha256', master, Buffer.from(clipId), Buffer.from('veil-clip-v1 key'), 32));
}
function keyCheck(key) {
  // HKDF-Expand alone (the clip key is the PRK): T(1) = HMAC(PRK, info || 0x01).
  return Buffer.from(hkdfExpand(key, Buffer.from('veil-clip-v1 key check'), 16));
}
function hkdfExpand(prk, info, len) {
  // Node has no HKDF-Expand-only call; one block suffices for 16 bytes.
  return createHmac('sha256', prk).update(Buffer.concat([info, Buffer.from([1])])).digest().subarray(0, len);
}

function nonce(prefix, counter, flag) { return Buffer.concat([prefix, be32(counter), Buffer.from([flag])]); }
function seal(key, iv, aad, pt) {
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(pt), c.final()]);
  return Buffer.concat([ct, c.getAuthTag()]);
}
function open(key, iv, aad, rec) {
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(aad);
  d.setAuthTag(rec.subarray(rec.length - TAG));
  return Buffer.concat([d.update(rec.subarray(0, rec.length - TAG)), d.final()]);
}

function encrypt(master, p, prefix, plain) {
  const key = clipKey(master, p.clipId);
  const id = Buffer.from(p.clipId), cam = Buffer.from(p.cameraId);
  const fixed = Buffer.concat([Buffer.from('VEILCLIP'), Buffer.from([1, p.codec]),
    be16(41 + id.length + 1 + cam.length + 32), be32(p.chunkSize), prefix, Buffer.from([0]),
    be64(p.createdMs), be16(p.width), be16(p.height), be16(p.fpsNum), be16(p.fpsDen),
    Buffer.from([id.length]), id, Buffer.from([cam.length]), cam, keyCheck(key)]);
  const headerTag = seal(key, nonce(prefix, 0xffffffff, 2), fixed, Buffer.alloc(0));
  const header = Buffer.concat([fixed, headerTag]);
  const out = [header];
  const n = Math.max(1, Math.ceil(plain.length / p.chunkSize));
  for (let i = 0; i < n; i++) {
    const chunk = plain.subarray(i * p.chunkSize, (i + 1) * p.chunkSize);
    out.push(seal(key, nonce(prefix, i, i === n - 1 ? 1 : 0), header, chunk));
  }
  return { key, clip: Buffer.concat(out) };
}

function decrypt(master, clip) {
  if (clip.subarray(0, 8).toString() !== 'VEILCLIP' || clip[8] !== 1) throw new Error('not a v1 clip');
  const hlen = clip.readUInt16BE(10), chunkSize = clip.readUInt32BE(12);
  const prefix = clip.subarray(16, 23);
  const idLen = clip[40];
  const clipId = clip.subarray(41, 41 + idLen).toString();
  const header = clip.subarray(0, hlen);
  const key = clipKey(master, clipId);
  if (!timingSafeEqual(keyCheck(key), header.subarray(hlen - 32, hlen - 16))) throw new Error('wrong key');
  open(key, nonce(prefix, 0xffffffff, 2), header.subarray(0, hlen - 16), header.subarray(hlen - 16));
  const rec = chunkSize + TAG, body = clip.subarray(hlen), parts = [];
  const n = Math.max(1, Math.ceil(body.length / rec));
  for (let i = 0; i < n; i++)
    parts.push(open(key, nonce(prefix, i, i === n - 1 ? 1 : 0), header, body.subarray(i * rec, (i + 1) * rec)));
  return { clipId, plain: Buffer.concat(parts), chunks: n };
}

function vector() {
  const master = Buffer.from([...Array(32).keys()]);
  const p = { clipId: 'vector-1', cameraId: 'cam-7', codec: 1, chunkSize: 16, createdMs: 1767225600000,
    width: 384, height: 288, fpsNum: 10, fpsDen: 1 };
  const prefix = Buffer.from('f0f1f2f3f4f5f6', 'hex');
  const { key, clip } = encrypt(master, p, prefix, Buffer.from('Veil clip format v1 test vector!!'));
  return { key: key.toString('hex'), clip: clip.toString('hex') };
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'vector') {
  const v = vector();
  console.log(`clip key: ${v.key}\nclip: ${v.clip}`);
} else if (mode === 'check-vector') {
  const v = vector();
  const doc = readFileSync(args[0], 'utf8').replace(/\s+/g, '');
  for (const [name, hex] of Object.entries(v))
    if (!doc.includes(hex)) { console.error(`${args[0]}: the ${name} (${hex}) is not in the document`); process.exit(1); }
  console.log('1 passed, 0 failed');
} else if (mode === 'verify') {
  const master = Buffer.from(readFileSync(args[0], 'utf8').trim(), 'hex');
  const { clipId, plain, chunks } = decrypt(master, readFileSync(args[1]));
  const want = readFileSync(args[2]);
  if (!plain.equals(want)) { console.error(`clip '${clipId}': plaintext differs from ${args[2]}`); process.exit(1); }
  console.log(`clip '${clipId}': ${chunks} chunk(s), ${plain.length} bytes match ${args[2]}`);
} else {
  console.error('usage: clip_vector.mjs vector | check-vector DOC.md | verify MASTER CLIP PLAIN');
  process.exit(2);
}
