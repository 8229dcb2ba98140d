// Checks on the detector's detections.json, for detector_test.sh.
//   node detections.mjs check FILE OUTDIR DECODED ANALYSED CLASS...
//       the file parses; the one clip decoded DECODED frames and analysed
//       ANALYSED, lists every analysed frame, found each CLASS; every
//       annotated frame named exists in OUTDIR and is a JPEG; boxes lie in
//       the frame and scores in [min_score, 1].
//   node detections.mjs same A B
//       the same detections up to float rounding: same clips, frames and
//       classes, boxes within 0.5 pixel, scores within 0.002.
// Prints what it found; exit 0 when the checks pass, 1 otherwise.
import fs from 'node:fs';
import path from 'node:path';

const [mode, ...rest] = process.argv.slice(2);
let failed = 0;
function check(ok, what) {
  if (!ok) {
    failed++;
    console.log(`FAIL: ${what}`);
  }
}
const load = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));

if (mode === 'check') {
  const [file, outdir, decoded, analysed, ...classes] = rest;
  const doc = load(file);
  check(doc.clips.length === 1, `${doc.clips.length} clips, expected 1`);
  const c = doc.clips[0];
  check(c.frames_decoded === Number(decoded), `frames_decoded ${c.frames_decoded}, expected ${decoded}`);
  check(c.frames_analysed === Number(analysed), `frames_analysed ${c.frames_analysed}, expected ${analysed}`);
  check(c.frames.length === c.frames_analysed, `${c.frames.length} frame records`);
  for (const name of classes) check(c.summary[name] !== undefined, `no ${name} found`);
  for (const f of c.frames) {
    check(f.index % c.frame_step === 0, `frame ${f.index} is not a multiple of the step`);
    for (const o of f.objects) {
      const [x, y, w, h] = o.box;
      check(x >= 0 && y >= 0 && w >= 0 && h >= 0 && x + w <= c.width + 0.5 && y + h <= c.height + 0.5,
        `frame ${f.index}: ${o.class} box ${o.box} outside ${c.width}x${c.height}`);
      check(o.score >= doc.detector.min_score && o.score <= 1, `frame ${f.index}: score ${o.score}`);
    }
  }
  const per = c.frames.map((f) => f.objects.length);
  for (const name of c.annotated_frames) {
    const p = path.join(outdir, name);
    const ok = fs.existsSync(p) && fs.readFileSync(p).subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]));
    check(ok, `annotated frame ${p} missing or not a JPEG`);
  }
  check(c.annotated_frames.length > 0 || c.frames.every((f) => f.objects.length === 0), 'no annotated frame');
  console.log(`${c.name}: ${c.frames_decoded} decoded, ${c.frames_analysed} analysed, objects per frame ${per.join(' ')}; `
    + Object.entries(c.summary).map(([k, v]) => `${k} in ${v.frames} frames (max ${v.max_in_frame})`).join(', ')
    + `; ${c.annotated_frames.length} annotated`);
} else if (mode === 'same') {
  const [a, b] = rest.map(load);
  check(a.clips.length === b.clips.length, 'clip counts differ');
  let objects = 0;
  a.clips.forEach((ca, i) => {
    const cb = b.clips[i];
    if (!cb) return;
    check(ca.name === cb.name && ca.frames_decoded === cb.frames_decoded
      && ca.frames.length === cb.frames.length, `clip ${ca.name}: frame counts differ`);
    check(JSON.stringify(ca.annotated_frames) === JSON.stringify(cb.annotated_frames),
      `clip ${ca.name}: annotated frames differ`);
    ca.frames.forEach((fa, k) => {
      const fb = cb.frames[k];
      if (!fb) return;
      check(fa.index === fb.index && fa.objects.length === fb.objects.length,
        `clip ${ca.name} frame ${fa.index}: ${fa.objects.length} vs ${fb.objects.length} objects`);
      fa.objects.forEach((oa, m) => {
        const ob = fb.objects[m];
        if (!ob) return;
        objects++;
        check(oa.class_id === ob.class_id && Math.abs(oa.score - ob.score) <= 0.002
          && oa.box.every((v, j) => Math.abs(v - ob.box[j]) <= 0.5),
          `clip ${ca.name} frame ${fa.index} object ${m}: ${JSON.stringify(oa)} vs ${JSON.stringify(ob)}`);
      });
    });
  });
  console.log(`compared ${objects} objects`);
} else {
  console.error('usage: detections.mjs check FILE OUTDIR DECODED ANALYSED CLASS... | same A B');
  process.exit(2);
}
process.exit(failed === 0 ? 0 : 1);
