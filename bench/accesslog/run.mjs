// Runs detections.sql in DuckDB over a data directory written by
// `go run ./bench/accesslog gen`, and prints the wall time and the findings
// per rule. Usage: node run.mjs DATA_DIR [THREADS]
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.argv[2] ?? 'data';
const threads = process.argv[3] ?? '';
const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
const here = dirname(fileURLToPath(import.meta.url));
const sql = readFileSync(join(here, 'detections.sql'), 'utf8')
  .replaceAll('{{DATA}}', dir).replaceAll('{{AS_OF}}', meta.as_of);
// Statements end with a semicolon at the end of a line; comments are dropped.
const statements = sql.split('\n').filter((l) => !l.trimStart().startsWith('--')).join('\n')
  .split(/;\s*\n/).map((s) => s.trim()).filter((s) => s.length > 0);

const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
if (threads) await con.run(`SET threads = ${Number(threads)}`);
const used = (await con.runAndReadAll("SELECT current_setting('threads')")).getRows()[0][0];
const start = process.hrtime.bigint();
let last;
for (const s of statements) last = await con.runAndReadAll(s);
const secs = Number(process.hrtime.bigint() - start) / 1e9;
const rows = last.getRows().map(([rule, n]) => `${rule}:${n}`).join(' ');
console.log(`duckdb ${(await con.runAndReadAll('SELECT version()')).getRows()[0][0]}, threads ${used}: ` +
  `${secs.toFixed(2)} s, ${(meta.events / secs / 1e6).toFixed(2)} M events/s`);
console.log(`findings per rule: ${rows}`);
