// Veil's NanoDet engine against the reference: the same model run by
// TensorFlow.js (pure-JS CPU backend) with the pre- and post-processing of
// @vladmandic/human's src/object/nanodet.ts, on every photo of the test
// material.  Each photo is decoded once with jpeg-js and the identical RGB
// bytes go to both sides.  Checked, for the native nn-detect and the wasm
// build (SIMD128, run under Node's WASI):
//   - all six output tensors: |ours - tfjs| <= 1e-4 + 1e-4 * |tfjs|;
//   - the final detections, with class-agnostic NMS (the reference's) and
//     per-class NMS (Veil's default): same number, same classes, boxes with
//     IoU >= 0.9, scores within 0.02;
//   - annotated JPEGs decode with jpeg-js and stay close to the source.
// The reference post-processing below follows nanodet.ts line by line with
// one correction: tf.image.nonMaxSuppression gets the boxes' real corners
// [y1, x1, y2, x2] (nanodet.ts passes [y, x, h, w]); per-class NMS runs the
// same tfjs NMS once per class.
//
// Raw tfjs outputs are cached under CACHE/nn-reference keyed by the SHA-256
// of the model, the pixels and the tfjs version (set
// VEIL_NN_REFERENCE_NO_CACHE=1 to recompute).
//
// usage: node compare.mjs --modules DIR --nn-detect EXE --wasm FILE
//                         --model DIR --images DIR --work DIR --cache DIR
// Exit: 0 all passed, 1 a check failed, 77 test material absent.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { WASI } from 'node:wasi';

const REFERENCE_CACHE_VERSION = 1;
const TENSOR_ATOL = 1e-4;
const TENSOR_RTOL = 1e-4;
const MIN_IOU = 0.9;
const MAX_SCORE_DIFF = 0.02;
const CONFIG = { minConfidence: 0.2, iouThreshold: 0.4, maxDetected: 10 }; // nanodet.ts defaults

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const k of ['modules', 'nn-detect', 'wasm', 'model', 'images', 'work', 'cache']) {
  if (!args[k]) {
    console.error(`compare: missing --${k}`);
    process.exit(2);
  }
}
if (!fs.existsSync(args.images)) {
  console.log(`test material ${args.images} is absent: skipping`);
  process.exit(77);
}
const require = createRequire(path.join(path.resolve(args.modules), 'node_modules', 'x.js'));
const tf = require('@tensorflow/tfjs');
const jpeg = require('jpeg-js');

let passed = 0;
let failed = 0;
function check(ok, what) {
  if (ok) passed++;
  else {
    failed++;
    console.log(`FAIL: ${what}`);
  }
}

const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

// ---- the reference: TensorFlow.js ----

const modelJson = fs.readFileSync(path.join(args.model, 'nanodet.json'));
const modelBin = fs.readFileSync(path.join(args.model, 'nanodet.bin'));
const labels = fs.readFileSync(path.join(args.model, 'coco.names'), 'utf8').trim().split('\n');
let model = null;

async function loadModel() {
  if (model) return model;
  await tf.setBackend('cpu');
  const json = JSON.parse(modelJson);
  model = await tf.loadGraphModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: modelBin.buffer.slice(modelBin.byteOffset, modelBin.byteOffset + modelBin.length),
    signature: json.signature,
  }));
  return model;
}

// nanodet.ts predict(): resize, /255, NCHW, execute.  Returns the outputs
// as {name, shape, data} in the model's signature order.
async function referenceOutputs(rgb, width, height) {
  const key = sha256(`v${REFERENCE_CACHE_VERSION} tfjs ${tf.version.tfjs}`, modelJson, modelBin, rgb,
    `${width}x${height}`);
  const dir = path.join(args.cache, 'nn-reference', key);
  const meta = path.join(dir, 'outputs.json');
  if (!process.env.VEIL_NN_REFERENCE_NO_CACHE && fs.existsSync(meta)) {
    const outs = JSON.parse(fs.readFileSync(meta));
    return outs.map((o, i) => {
      const buf = fs.readFileSync(path.join(dir, `${i}.f32`));
      return { ...o, data: new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4) };
    });
  }
  const m = await loadModel();
  const outs = tf.tidy(() => {
    const image = tf.tensor(rgb, [1, height, width, 3], 'float32');
    const resizeT = tf.image.resizeBilinear(image, [416, 416], false);
    const normT = tf.div(resizeT, 255);
    const transposeT = tf.transpose(normT, [0, 3, 1, 2]);
    return m.execute(transposeT);
  });
  const names = Object.keys(JSON.parse(modelJson).signature.outputs);
  const result = outs.map((t, i) => ({ name: names[i], shape: t.shape, data: t.dataSync() }));
  tf.dispose(outs);
  fs.mkdirSync(dir, { recursive: true });
  result.forEach((o, i) => fs.writeFileSync(path.join(dir, `${i}.f32`), Buffer.from(o.data.buffer)));
  fs.writeFileSync(meta, JSON.stringify(result.map(({ name, shape }) => ({ name, shape }))));
  return result;
}

// nanodet.ts process(), with the NMS corner correction and an NMS mode.
async function referenceProcess(outputs, outputShape, nmsMode) {
  const res = outputs.map((o) => tf.tensor(o.data, o.shape));
  let id = 0;
  let results = [];
  const size = 416;
  const scaleBox = 2.5;
  for (const strideSize of [1, 2, 4]) {
    const baseSize = strideSize * 13;
    const scoresT = tf.squeeze(res.find((a) => (a.shape[1] === (baseSize ** 2) && (a.shape[2] || 0) === labels.length)));
    const scores = await scoresT.array();
    const featuresT = tf.squeeze(res.find((a) => (a.shape[1] === (baseSize ** 2) && (a.shape[2] || 0) < labels.length)));
    const boxesMaxT = tf.reshape(featuresT, [-1, 4, (featuresT.shape?.[1] || 0) / 4]);
    const boxIdxT = tf.argMax(boxesMaxT, 2);
    const boxIdx = await boxIdxT.array();
    for (let i = 0; i < scoresT.shape[0]; i++) {
      for (let j = 0; j < (scoresT.shape?.[1] || 0); j++) {
        const score = scores[i][j];
        if (score > (CONFIG.minConfidence || 0) && j !== 61) {
          const cx = (0.5 + Math.trunc(i % baseSize)) / baseSize;
          const cy = (0.5 + Math.trunc(i / baseSize)) / baseSize;
          const boxOffset = boxIdx[i].map((a) => a * (baseSize / strideSize / (size)));
          const [x, y] = [
            cx - (scaleBox / strideSize * boxOffset[0]),
            cy - (scaleBox / strideSize * boxOffset[1]),
          ];
          const [w, h] = [
            cx + (scaleBox / strideSize * boxOffset[2]) - x,
            cy + (scaleBox / strideSize * boxOffset[3]) - y,
          ];
          let boxRaw = [x, y, w, h];
          boxRaw = boxRaw.map((a) => Math.max(0, Math.min(a, 1)));
          const box = [boxRaw[0] * outputShape[0], boxRaw[1] * outputShape[1], boxRaw[2] * outputShape[0], boxRaw[3] * outputShape[1]];
          results.push({ id: id++, score: Math.round(100 * score) / 100, rawScore: score, class: j + 1, label: labels[j], box, boxRaw });
        }
      }
    }
    tf.dispose([scoresT, featuresT, boxesMaxT, boxIdxT]);
  }
  // Correction: real corners [y1, x1, y2, x2].
  const corners = (a) => [a.boxRaw[1], a.boxRaw[0], a.boxRaw[1] + a.boxRaw[3], a.boxRaw[0] + a.boxRaw[2]];
  const nmsIdx = [];
  const groups = nmsMode === 'agnostic' ? [results.map((_, i) => i)]
    : [...new Set(results.map((r) => r.class))].map((c) => results.map((r, i) => (r.class === c ? i : -1)).filter((i) => i >= 0));
  for (const group of groups) {
    if (group.length === 0) continue;
    const nms = await tf.image.nonMaxSuppressionAsync(group.map((i) => corners(results[i])), group.map((i) => results[i].score),
      CONFIG.maxDetected, CONFIG.iouThreshold, CONFIG.minConfidence);
    for (const k of await nms.data()) nmsIdx.push(group[k]);
    tf.dispose(nms);
  }
  results = results.filter((_val, idx) => nmsIdx.includes(idx)).sort((a, b) => (b.score - a.score)).slice(0, CONFIG.maxDetected);
  tf.dispose(res);
  return results;
}

// ---- Veil: native and wasm nn-detect ----

function runNative(extra) {
  const r = spawnSync(args['nn-detect'], extra, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`nn-detect ${extra.join(' ')} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const wasmModule = await WebAssembly.compile(fs.readFileSync(args.wasm));

// The same program under Node's WASI: /model and /work are preopened.
async function runWasm(extra) {
  const outPath = path.join(args.work, 'wasm-stdout.json');
  const errPath = path.join(args.work, 'wasm-stderr.txt');
  const out = fs.openSync(outPath, 'w');
  const err = fs.openSync(errPath, 'w');
  const wasi = new WASI({
    version: 'preview1',
    args: ['nn-detect', ...extra],
    env: {},
    preopens: { '/model': path.resolve(args.model), '/work': path.resolve(args.work) },
    stdout: out,
    stderr: err,
    returnOnExit: true,
  });
  const instance = await WebAssembly.instantiate(wasmModule, wasi.getImportObject());
  const status = wasi.start(instance);
  fs.closeSync(out);
  fs.closeSync(err);
  if (status !== 0) throw new Error(`nn-detect.wasm failed (${status}): ${fs.readFileSync(errPath, 'utf8')}`);
  return JSON.parse(fs.readFileSync(outPath, 'utf8'));
}

function readDump(o, root) {
  const file = root ? path.join(root, path.basename(o.file)) : o.file;
  const buf = fs.readFileSync(file);
  return new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
}

function compareTensors(ref, ours, what, root) {
  check(ours.outputs.length === ref.length, `${what}: ${ours.outputs.length} outputs, reference has ${ref.length}`);
  let worst = 0;
  for (let i = 0; i < ref.length && i < ours.outputs.length; i++) {
    const o = ours.outputs[i];
    check(o.name === ref[i].name && o.shape.join('x') === ref[i].shape.join('x'),
      `${what}: output ${i} is ${o.name} [${o.shape}], reference ${ref[i].name} [${ref[i].shape}]`);
    const mine = readDump(o, root);
    const want = ref[i].data;
    let bad = -1;
    for (let k = 0; k < want.length; k++) {
      const d = Math.abs(mine[k] - want[k]);
      worst = Math.max(worst, d);
      if (!(d <= TENSOR_ATOL + TENSOR_RTOL * Math.abs(want[k])) && bad < 0) bad = k;
    }
    check(mine.length === want.length && bad < 0,
      `${what}: ${o.name}[${bad}] = ${mine[bad]}, reference ${want[bad]}`);
  }
  return worst;
}

function iou(a, b) { // [x, y, w, h]
  const x1 = Math.max(a[0], b[0]); const y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]); const y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  if (union > 0) return inter / union;
  // Degenerate boxes (zero width or height, e.g. an arg-max bin of 0 on
  // both sides): the same box up to float rounding counts as a match.
  return a.every((v, i) => Math.abs(v - b[i]) <= 1e-3) ? 1 : 0;
}

function compareDetections(ref, ours, what) {
  check(ours.length === ref.length, `${what}: ${ours.length} detections, reference ${ref.length}: `
    + `ours ${JSON.stringify(ours.map((d) => [d.label, d.score]))} reference ${JSON.stringify(ref.map((d) => [d.label, d.rawScore]))}`);
  const used = new Set();
  let minIou = 1;
  for (const r of ref) {
    let best = -1;
    let bestIou = -1;
    ours.forEach((d, k) => {
      if (used.has(k) || d.class_id !== r.class - 1) return;
      const v = iou(d.box, r.box);
      if (v > bestIou) { bestIou = v; best = k; }
    });
    if (best < 0) {
      check(false, `${what}: no ${r.label} (${r.rawScore.toFixed(3)}) in ours`);
      continue;
    }
    used.add(best);
    minIou = Math.min(minIou, bestIou);
    const d = ours[best];
    check(bestIou >= MIN_IOU, `${what}: ${r.label} box IoU ${bestIou.toFixed(3)} (ours ${d.box}, reference ${r.box})`);
    check(Math.abs(d.score - r.rawScore) <= MAX_SCORE_DIFF, `${what}: ${r.label} score ${d.score} vs ${r.rawScore}`);
  }
  return minIou;
}

function psnr(a, b) {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255) / (se / a.length));
}

// ---- main ----

fs.mkdirSync(args.work, { recursive: true });
const images = fs.readdirSync(args.images).filter((f) => f.endsWith('.jpg')).sort();
check(images.length > 0, `no photos in ${args.images}`);
for (const file of images) {
  const name = path.basename(file, '.jpg');
  const decoded = jpeg.decode(fs.readFileSync(path.join(args.images, file)), { useTArray: true, formatAsRGBA: false });
  const { width, height } = decoded;
  const rgb = Buffer.from(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length);
  const rgbPath = path.join(args.work, `${name}.rgb`);
  fs.writeFileSync(rgbPath, rgb);
  const ref = await referenceOutputs(rgb, width, height);
  const refAgnostic = await referenceProcess(ref, [width, height], 'agnostic');
  const refPerClass = await referenceProcess(ref, [width, height], 'per-class');

  const common = ['--model', args.model, '--rgb', rgbPath, '--width', `${width}`, '--height', `${height}`];
  const nativeAgnostic = runNative([...common, '--nms', 'agnostic', '--dump-outputs', path.join(args.work, `${name}-native-`)]);
  const annotated = path.join(args.work, `${name}-annotated.jpg`);
  const nativePerClass = runNative([...common, '--annotate', annotated]);
  const wasmCommon = ['--model', '/model', '--rgb', `/work/${name}.rgb`, '--width', `${width}`, '--height', `${height}`];
  const wasmPerClass = await runWasm([...wasmCommon, '--dump-outputs', `/work/${name}-wasm-`]);

  const dn = compareTensors(ref, nativeAgnostic, `${file} native tensors`);
  const dw = compareTensors(ref, wasmPerClass, `${file} wasm tensors`, args.work);
  const i1 = compareDetections(refAgnostic, nativeAgnostic.detections, `${file} native agnostic`);
  const i2 = compareDetections(refPerClass, nativePerClass.detections, `${file} native per-class`);
  const i3 = compareDetections(refPerClass, wasmPerClass.detections, `${file} wasm per-class`);

  // The annotated frame: a valid JPEG of the same size, mostly the photo.
  const ann = jpeg.decode(fs.readFileSync(annotated), { useTArray: true, formatAsRGBA: false });
  check(ann.width === width && ann.height === height, `${file}: annotated JPEG is ${ann.width}x${ann.height}`);
  const annPsnr = psnr(ann.data, decoded.data);
  check(annPsnr > 18, `${file}: annotated JPEG PSNR ${annPsnr.toFixed(2)} dB`);

  console.log(`${file} ${width}x${height}: max |diff| native ${dn.toExponential(2)} wasm ${dw.toExponential(2)}; `
    + `detections agnostic ${refAgnostic.length} per-class ${refPerClass.length} `
    + `(${refPerClass.map((d) => `${d.label} ${d.rawScore.toFixed(2)}`).join(', ')}); `
    + `min IoU ${Math.min(i1, i2, i3).toFixed(3)}; annotated ${annPsnr.toFixed(1)} dB`);
}

// A frame with nothing drawn: the encoder alone, decoded by jpeg-js.
{
  const file = images.find((f) => f === 'dog.jpg') || images[0];
  const name = path.basename(file, '.jpg');
  const decoded = jpeg.decode(fs.readFileSync(path.join(args.images, file)), { useTArray: true, formatAsRGBA: false });
  const out = path.join(args.work, `${name}-plain.jpg`);
  runNative(['--model', args.model, '--rgb', path.join(args.work, `${name}.rgb`), '--width', `${decoded.width}`,
    '--height', `${decoded.height}`, '--max', '0', '--annotate', out, '--quality', '90']);
  const plain = jpeg.decode(fs.readFileSync(out), { useTArray: true, formatAsRGBA: false });
  const p = psnr(plain.data, decoded.data);
  console.log(`${file} re-encoded at quality 90 by Veil, decoded by jpeg-js: ${p.toFixed(2)} dB`);
  check(p > 32, `${file}: JPEG round trip PSNR ${p.toFixed(2)} dB`);
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
