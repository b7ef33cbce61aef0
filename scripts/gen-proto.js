#!/usr/bin/env node
// Generates packages/protocol/src/generated from the .proto that ships inside @latchkey/protocol: one
// generator (ts-proto, over Debian's protoc) writes the message types, their static encoders and decoders
// (@bufbuild/protobuf/wire, no reflection, so `agent exec` can load them cheaply) and a typed table of the
// service's methods. grpc-js still loads the .proto through proto-loader at run time; ts-proto's options
// below give the same shapes proto-loader's options (loader-options.json) give, and wire.test.ts checks
// both ends of that agreement on real messages. `.ci/run` runs this and fails on a difference.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const protocol = join(root, 'packages/protocol');
const protoRoot = join(protocol, 'proto');
const out = join(protocol, 'src/generated');
const require = createRequire(join(protocol, 'package.json'));
const plugin = join(dirname(require.resolve('ts-proto/package.json')), 'protoc-gen-ts_proto');

const loader = JSON.parse(readFileSync(join(protocol, 'src/loader-options.json'), 'utf8'));
// The generated shapes follow proto-loader's: camelCase names, int64 as number, unset messages as null.
if (loader.keepCase !== false || loader.longs !== 'Number' || loader.defaults !== true) {
  throw new Error('gen-proto: loader-options.json changed; make the ts-proto options below give the same shapes');
}
const options = [
  'esModuleInterop=true',
  'importSuffix=.js',
  'forceLong=number',
  'useNullAsOptional=true',
  'outputJsonMethods=false',
  'outputPartialMethods=false',
  'outputServices=generic-definitions',
];

try {
  execFileSync('protoc', ['--version'], { stdio: 'ignore' });
} catch {
  console.error('gen-proto: protoc is missing: apt-get install protobuf-compiler (scripts/setup.sh does)');
  process.exit(1);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
execFileSync(
  'protoc',
  [`--plugin=protoc-gen-ts_proto=${plugin}`, `--ts_proto_out=${out}`, `--ts_proto_opt=${options.join(',')}`, `-I${protoRoot}`, 'latchkey/v1/agent.proto'],
  { cwd: root, stdio: 'inherit' },
);

// The header names protoc's version; drop it so that the output depends on the .proto and the locked
// ts-proto alone, not on which protoc a machine has.
const file = join(out, 'latchkey/v1/agent.ts');
const text = readFileSync(file, 'utf8').replace(/^\/\/ {3}protoc {2,}v.*\n/m, '');
writeFileSync(file, text);
