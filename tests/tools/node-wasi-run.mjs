// Runs a wasm32-wasi program under Node's WASI (node:wasi), the stand-in for
// `veil run` in tests and benches.
//   node node-wasi-run.mjs [--dir HOST[:GUEST]]... PROGRAM.wasm [ARGS...]
// Each --dir preopens a host directory (at GUEST, default the same path).
// The program's exit status becomes the process's.  Node 18 (Debian 12's)
// needs --experimental-wasi-unstable-preview1; Node 20 accepts and ignores it.
import { readFile } from 'node:fs/promises';
import process from 'node:process';
import { WASI } from 'node:wasi';

const argv = process.argv.slice(2);
const preopens = {};
while (argv[0] === '--dir') {
  const [host, guest] = argv[1].split(':');
  preopens[guest ?? host] = host;
  argv.splice(0, 2);
}
if (argv.length === 0) {
  console.error('usage: node-wasi-run.mjs [--dir HOST[:GUEST]]... PROGRAM.wasm [ARGS...]');
  process.exit(2);
}
const wasi = new WASI({ version: 'preview1', args: argv, env: {}, preopens, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(argv[0]));
const imports = typeof wasi.getImportObject === 'function'
  ? wasi.getImportObject() : { wasi_snapshot_preview1: wasi.wasiImport };
const instance = await WebAssembly.instantiate(module, imports);
process.exitCode = wasi.start(instance) ?? 0;
