// Runs a wasm32-wasi command module under Node's WebAssembly engine (V8)
// with node:wasi: the outside reference the bench compares Veil against.
//   node --single-threaded-gc node_wasi.mjs FILE.wasm
// (Node 20.20's concurrent GC crashes now and then in this script after a
// large wasm memory was used: SIGSEGV in KeyedLoadIC; one GC thread avoids it.)
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const file = process.argv[2];
const wasi = new WASI({ version: 'preview1', args: [file], env: {}, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
